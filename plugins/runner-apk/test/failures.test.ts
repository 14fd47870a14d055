import { isUnrotError, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer, createReplayExec, type Recording } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { ApkOptions } from '../src/options.js';
import { SETS, scenario } from './recorded.js';

function context(recordings: Recording[], options: Partial<ApkOptions> = {}, exclusions: string[] = []) {
  const exec = createReplayExec(recordings);
  const ctx: RunnerContext<ApkOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: { lock_timeout_s: 120, ...options },
    container: contractContainer(),
    exclusions,
  };
  return { exec, ctx };
}

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  return promise.then(
    () => ({ code: 'none', message: '' }),
    (e: unknown) => (isUnrotError(e) ? { code: e.code, message: e.message } : { code: 'not coded', message: String(e) }),
  );
}

describe.each(SETS)('failures recorded with $tool', ({ scenarios, applyFailure, words }) => {
  it('a failing post-upgrade script fails apply with a coded error that quotes apk', async () => {
    const { ctx } = context(applyFailure.recordings as Recording[], {}, applyFailure.exclusions);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'unrot-sandbox-broken', from: '1.0-r0', to: '1.1-r0' }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['apk', 'upgrade', '--no-interactive', '--wait', '120', 'unrot-sandbox-broken']]);
    const error = await errorOf(runner.apply(ctx, plan));
    expect(error.code).toBe('E_EXEC_FAILED');
    expect(error.message).toContain('unrot-sandbox-broken-1.1-r0.post-upgrade exited with error 1');
    expect(error.message).toContain(words.script);
  });

  it('a lock apk gave up on names the lock and the wait', async () => {
    const s = scenario('failing check: another apk holds the database lock', scenarios);
    const { ctx } = context(s.recordings, { lock_timeout_s: 1 });
    const error = await errorOf(runner.check(ctx));
    expect(error.code).toBe('E_EXEC_FAILED');
    expect(error.message).toContain('/lib/apk/db/lock');
    expect(error.message).toContain('Unable to lock database');
  });

  it.each([
    ['failing check: repository unreachable', 'unreachable'],
    ['failing check: corrupt index', 'corrupt'],
  ] as const)('%s: apk update’s exit code fails check with apk’s words', async (name, key) => {
    const { ctx } = context(scenario(name, scenarios).recordings);
    const error = await errorOf(runner.check(ctx));
    expect(error.code).toBe('E_EXEC_FAILED');
    expect(error.message).toContain(words[key]);
  });
});

describe.each(SETS)('/etc/apk/world is never rewritten (recorded with $tool)', ({ scenarios, worldEffects }) => {
  const effect = (argv: string) => {
    const e = worldEffects.find((w) => w.argv.join(' ') === argv);
    if (!e) throw new Error(`no recording of ${argv}`);
    return e;
  };

  it('apk add -u drops a pin and adds names to world, so the runner never uses it', () => {
    const pinned = effect('apk add -u --no-interactive unrot-sandbox-pinned');
    expect(pinned.worldBefore).toContain('unrot-sandbox-pinned=1.0-r0\n');
    expect(pinned.worldAfter).toContain('unrot-sandbox-pinned\n');
    expect(pinned.worldAfter).not.toContain('unrot-sandbox-pinned=');
    expect(effect('apk add -u --no-interactive unrot-sandbox-lib').worldAfter).toContain('unrot-sandbox-lib\n');
  });

  it('apk upgrade NAME leaves world as it was, and is what the runner plans with exclusions', async () => {
    const e = effect('apk upgrade --no-interactive unrot-sandbox-demo');
    expect(e.worldAfter).toBe(e.worldBefore);
    expect(e.recording.stdout).toContain('Upgrading unrot-sandbox-demo (1.0-r0 -> 1.1-r0)');
    const s = scenario('exclusion unrot-sandbox-extra withholds its dependant unrot-sandbox-app', scenarios);
    const { ctx } = context(s.recordings, {}, s.exclusions);
    const plan = await runner.plan(ctx, await runner.check(ctx));
    expect(plan.map((p) => p.argv)).toEqual([['apk', 'upgrade', '--no-interactive', '--wait', '120', 'unrot-sandbox-demo']]);
  });
});
