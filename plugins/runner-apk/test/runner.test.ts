import { type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer, createReplayExec } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { ApkOptions } from '../src/options.js';
import { scenario } from './recorded.js';

const PENDING = 'updates pending, world pins held, applied';

function context(exclusions: string[]) {
  const ctx: RunnerContext<ApkOptions> = {
    exec: createReplayExec(scenario(PENDING).recordings),
    log: silentLogger,
    signal: new AbortController().signal,
    options: { lock_timeout_s: 120 },
    container: contractContainer(),
    exclusions,
  };
  return ctx;
}

describe('check and plan on the recorded 1.0 → 1.1 release', () => {
  it('reports versions from → to, and names the world pin that holds a package', async () => {
    const checked = await runner.check(context([]));
    expect(checked.updates).toContainEqual({ name: 'unrot-sandbox-demo', from: '1.0-r0', to: '1.1-r0' });
    expect(checked.updates).toContainEqual({ name: 'unrot-sandbox-lib', from: null, to: '1.0-r0' });
    expect(checked.withheld).toEqual([
      { name: 'unrot-sandbox-capped', reason: 'held by /etc/apk/world (unrot-sandbox-capped<1.1): 1.1-r0 is available, 1.0-r0 stays' },
      { name: 'unrot-sandbox-pinned', reason: 'held by /etc/apk/world (unrot-sandbox-pinned=1.0-r0): 1.1-r0 is available, 1.0-r0 stays' },
    ]);
  });

  it('an exclusion that matches only a pinned package changes nothing: the plan stays the plain upgrade', async () => {
    const ctx = context(['unrot-sandbox-pinned']);
    const plan = await runner.plan(ctx, await runner.check(ctx));
    expect(plan.map((s) => s.argv)).toEqual([['apk', 'upgrade', '--no-interactive', '--wait', '120']]);
  });

  it('the lock wait is apk’s own --wait, from lock_timeout_s', async () => {
    const ctx = context([]);
    const plan = await runner.plan({ ...ctx, options: { lock_timeout_s: 7 } }, await runner.check(ctx));
    expect(plan[0]?.argv).toEqual(['apk', 'upgrade', '--no-interactive', '--wait', '7']);
  });
});
