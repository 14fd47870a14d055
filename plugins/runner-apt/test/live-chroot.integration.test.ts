// Runs the runner against REAL apt in a debootstrapped Debian 12 root (chroot), with the
// real deb.debian.org archive: refresh, simulate, dependency-drag detection, upgrade,
// readback. Needs root, debootstrap and network to deb.debian.org; about 30 s (+35 s
// for the first debootstrap, cached in /var/tmp/unrot-apt/base).
import { execFileSync } from 'node:child_process';
import type { RunnerContext } from '@unrot/sdk';
import { silentLogger } from '@unrot/sdk';
import { contractContainer } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { AptOptions } from '../src/options.js';
import { createChrootExec } from './chroot-exec.mjs';
import { BOOKWORM_ALL, freshRoot, removeRoot } from './debian-root.mjs';
import { localRepoRoot } from './local-repo.mjs';

let root = '';

function installed(): Map<string, string> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
  const out = execFileSync('chroot', [root, 'dpkg-query', '-W', '-f=${Package}\\t${Version}\\n'], { encoding: 'utf8' });
  return new Map(
    out
      .trim()
      .split('\n')
      .map((l) => l.split('\t') as [string, string]),
  );
}

function context(extra: { exclusions?: string[]; dryRun?: boolean; mode?: AptOptions['mode'] } = {}) {
  const exec = createChrootExec(root, { dryRun: extra.dryRun ?? false });
  const ctx: RunnerContext<AptOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: { mode: extra.mode ?? 'upgrade', lock_timeout_s: 30 },
    container: contractContainer(),
    exclusions: extra.exclusions ?? [],
  };
  return { exec, ctx };
}

describe('apt runner against real apt in a Debian 12 chroot', () => {
  beforeAll(() => {
    root = freshRoot('live-test', BOOKWORM_ALL);
  });
  afterAll(() => {
    if (root) removeRoot(root);
  });

  it('detects apt-get', async () => {
    const { ctx } = context();
    expect(await runner.detect(ctx)).toMatchObject({ applicable: true, reason: expect.stringMatching(/^apt \d/) });
  });

  it('dry-run: check refreshes indexes, apply runs nothing and nothing changes', async () => {
    const before = installed();
    const { exec, ctx } = context({ dryRun: true });
    const checked = await runner.check(ctx);
    expect(checked.updates.length).toBeGreaterThan(0);
    const applied = await runner.apply(ctx, await runner.plan(ctx, checked));
    expect(applied.changed).toEqual([]);
    expect(exec.records.filter((r) => r.kind === 'change' && r.executed)).toEqual([]);
    expect(installed()).toEqual(before);
  }, 180_000);

  it('with libapt-pkg6.0 excluded: withholds it and apt, upgrades the rest, sets no hold', async () => {
    const before = installed();
    const { exec, ctx } = context({ exclusions: ['libapt-pkg6.0'] });
    const checked = await runner.check(ctx);
    expect(checked.withheld.map((w) => w.name).sort()).toEqual(['apt', 'libapt-pkg6.0']);
    const applied = await runner.apply(ctx, await runner.plan(ctx, checked));
    const after = installed();
    expect(after.get('libapt-pkg6.0')).toBe(before.get('libapt-pkg6.0'));
    expect(after.get('apt')).toBe(before.get('apt'));
    expect(applied.changed.map((c) => c.name).sort()).toEqual(checked.updates.map((u) => u.name).sort());
    for (const c of applied.changed) {
      expect(c.from).toBe(before.get(c.name));
      expect(c.to).toBe(after.get(c.name));
      expect(c.to).not.toBe(c.from);
    }
    expect(execFileSync('chroot', [root, 'apt-mark', 'showhold'], { encoding: 'utf8' })).toBe('');
    expect(exec.records.filter((r) => r.kind === 'change')).toHaveLength(1);
  }, 180_000);

  it('without the exclusion: upgrades what was withheld, then nothing is pending and nothing runs', async () => {
    // `install --only-upgrade` would turn this auto-installed library into a manual one (measured); the plain upgrade must not.
    execFileSync('chroot', [root, 'apt-mark', 'auto', 'libapt-pkg6.0'], { stdio: 'ignore' });
    const first = context();
    const checked = await runner.check(first.ctx);
    expect(checked.updates.map((u) => u.name).sort()).toEqual(['apt', 'libapt-pkg6.0']);
    const applied = await runner.apply(first.ctx, await runner.plan(first.ctx, checked));
    expect(applied.changed.map((c) => c.name).sort()).toEqual(['apt', 'libapt-pkg6.0']);
    expect(execFileSync('chroot', [root, 'apt-mark', 'showauto'], { encoding: 'utf8' }).split('\n')).toContain('libapt-pkg6.0');

    const again = context();
    const rechecked = await runner.check(again.ctx);
    expect(rechecked).toEqual({ updates: [], withheld: [] });
    const steps = await runner.plan(again.ctx, rechecked);
    expect(steps).toEqual([]);
    expect(await runner.apply(again.ctx, steps)).toEqual({ changed: [], steps: [] });
    expect(again.exec.records.filter((r) => r.kind === 'change')).toEqual([]);
  }, 180_000);

  it('local repository: upgrade keeps back what needs a new package; full-upgrade installs it and removes the conflict', async () => {
    removeRoot(root);
    root = localRepoRoot('live-test');
    const up = context();
    const checked = await runner.check(up.ctx);
    expect(checked.updates).toEqual([]);
    expect(checked.withheld.map((w) => w.name)).toEqual(['unrot-demo-app']);
    expect(await runner.plan(up.ctx, checked)).toEqual([]);

    const full = context({ mode: 'full-upgrade' });
    const fullChecked = await runner.check(full.ctx);
    const applied = await runner.apply(full.ctx, await runner.plan(full.ctx, fullChecked));
    expect(applied.changed).toEqual([
      { name: 'unrot-demo-lib', from: null, to: '1.0' },
      { name: 'unrot-demo-app', from: '1.0', to: '2.0' },
    ]);
    const after = installed();
    expect(after.get('unrot-demo-app')).toBe('2.0');
    expect(after.get('unrot-demo-lib')).toBe('1.0');
    // dpkg-query -W lists a removed package with an empty version (status "rc"/"un").
    expect(after.get('unrot-demo-old') ?? '').toBe('');
  }, 180_000);
});
