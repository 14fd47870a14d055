import { type CheckResult, isUnrotError, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer, createReplayExec, type Recording, type RunnerScenario } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { isDebianPackageName } from '../src/names.js';
import type { AptOptions } from '../src/options.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };
import lockWait from './fixtures/lock-wait-recordings.json' with { type: 'json' };

const all = scenarios as RunnerScenario[];
const scenario = (name: string): RunnerScenario => {
  const s = all.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

function context(recordings: Recording[], extra: { exclusions?: string[]; options?: Partial<AptOptions>; dryRun?: boolean } = {}) {
  const exec = createReplayExec(recordings, { dryRun: extra.dryRun ?? false });
  const ctx: RunnerContext<AptOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: { mode: 'upgrade', lock_timeout_s: 120, ...extra.options },
    container: contractContainer(),
    exclusions: extra.exclusions ?? [],
  };
  return { exec, ctx };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (isUnrotError(e) ? e.code : `not coded: ${String(e)}`),
  );
}

/** The argv elements after `--only-upgrade`: the only place package names enter argv. */
const namesIn = (argv: readonly string[]) => argv.slice(argv.indexOf('--only-upgrade') + 1);

const HOSTILE = ['foo;reboot', '$(reboot)', '`reboot`', 'foo bar', '$(rm -rf /)'];

describe('apt runner: names from apt output or policy never reach argv unchecked', () => {
  const pending = scenario('updates pending (mode upgrade), applied');

  it.each(HOSTILE)('check rejects %j printed by apt with E_RUNNER_UNSAFE_NAME and runs nothing changing', async (name) => {
    // A real recording with tzdata's lines edited: apt never prints such a name, the guard must hold anyway.
    const recordings = pending.recordings.map((r) =>
      r.argv.at(-1) === 'upgrade'
        ? { ...r, stdout: r.stdout.replace(/^(Inst|Conf) tzdata /gm, `$1 ${name} `).replace(/ tzdata$/m, '') }
        : r,
    );
    const { exec, ctx } = context(recordings);
    expect(await codeOf(runner.check(ctx))).toBe('E_RUNNER_UNSAFE_NAME');
    expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
  });

  it('plan rejects a hostile name even when handed a check result that skipped validation', async () => {
    const { ctx } = context([]);
    for (const name of HOSTILE) {
      const check: CheckResult = { updates: [{ name, from: '1', to: '2' }], withheld: [] };
      expect(await codeOf(runner.plan(ctx, check))).toBe('E_RUNNER_UNSAFE_NAME');
    }
  });

  it('hostile exclusions only filter: they never enter argv and every name in argv is a Debian name', async () => {
    const s = scenario('exclusion libapt-pkg6.0 withholds its dependant apt');
    const { exec, ctx } = context(s.recordings, { exclusions: ['libapt-pkg6.0', ...HOSTILE, '*;*'] });
    const checked = await runner.check(ctx);
    expect(checked.updates).toHaveLength(10);
    const steps = await runner.plan(ctx, checked);
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed).toHaveLength(10);
    for (const record of exec.records) {
      for (const arg of record.argv) for (const bad of HOSTILE) expect(arg).not.toContain(bad);
    }
    const names = namesIn(steps[0]?.argv ?? []);
    expect(names).toHaveLength(10);
    for (const n of names) expect(isDebianPackageName(n)).toBe(true);
  });
});

describe('apt runner on real recordings', () => {
  it('withholds the excluded package and the package that would drag it in, and applies the rest', async () => {
    const s = scenario('exclusion libapt-pkg6.0 withholds its dependant apt');
    const { exec, ctx } = context(s.recordings, { exclusions: s.exclusions ?? [] });
    const checked = await runner.check(ctx);
    expect(checked.withheld).toEqual([
      { name: 'libapt-pkg6.0', reason: 'excluded by policy' },
      { name: 'apt', reason: 'would also upgrade excluded libapt-pkg6.0' },
    ]);
    // What the plan names and what apply reads back: every pending package but the excluded two.
    const upgraded = [
      'liblzma5',
      'libpam-modules',
      'libpam-modules-bin',
      'libpam-runtime',
      'libpam0g',
      'libpcre2-8-0',
      'libzstd1',
      'perl-base',
      'tzdata',
      'zlib1g',
    ];
    const steps = await runner.plan(ctx, checked);
    expect(steps).toHaveLength(1);
    expect(namesIn(steps[0]?.argv ?? []).sort()).toEqual(upgraded);
    // Exclusions are honoured by omission: no apt-mark hold anywhere.
    expect(exec.records.flatMap((r) => r.argv)).not.toContain('apt-mark');
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed.map((c) => c.name).sort()).toEqual(upgraded);
    expect(applied.changed).toContainEqual({ name: 'perl-base', from: '5.36.0-7+deb12u3', to: '5.36.0-7+deb12u4' });
  });

  const PREFIX = [
    'env',
    'DEBIAN_FRONTEND=noninteractive',
    'LC_ALL=C',
    'apt-get',
    '-y',
    '-q',
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
    '-o',
    'DPkg::Lock::Timeout=120',
  ];

  it('plans apt-get upgrade itself when no exclusion is in the way (no package named, none marked manual)', async () => {
    const s = scenario('updates pending (mode upgrade), applied');
    const { ctx } = context(s.recordings);
    const steps = await runner.plan(ctx, await runner.check(ctx));
    expect(steps.map((x) => x.argv)).toEqual([[...PREFIX, 'upgrade']]);
  });

  it('names the packages, without removals or new recommends, when an exclusion is in the way', async () => {
    const s = scenario('glob exclusion tz* withholds tzdata');
    const { ctx } = context(s.recordings, { exclusions: s.exclusions ?? [] });
    const steps = await runner.plan(ctx, await runner.check(ctx));
    expect(steps.map((x) => x.argv)).toEqual([
      [
        ...PREFIX,
        '--no-install-recommends',
        '--no-remove',
        'install',
        '--only-upgrade',
        'perl-base',
        'liblzma5',
        'libzstd1',
        'zlib1g',
        'libapt-pkg6.0',
        'apt',
        'libpam0g',
        'libpam-modules-bin',
        'libpam-modules',
        'libpam-runtime',
        'libpcre2-8-0',
      ],
    ]);
  });

  it('mode full-upgrade with an exclusion in the way names packages instead of dist-upgrade, and may remove', async () => {
    const { ctx } = context([], { options: { mode: 'full-upgrade', lock_timeout_s: 5 }, exclusions: ['tz*'] });
    const check: CheckResult = {
      updates: [{ name: 'apt', from: '2.6.1', to: '2.6.2' }],
      withheld: [{ name: 'tzdata', reason: 'excluded by policy' }],
    };
    const steps = await runner.plan(ctx, check);
    expect(steps[0]?.argv).toContain('DPkg::Lock::Timeout=5');
    expect(steps[0]?.argv).not.toContain('--no-remove');
    expect(steps[0]?.argv).not.toContain('dist-upgrade');
    expect(steps[0]?.argv.slice(-3)).toEqual(['install', '--only-upgrade', 'apt']);
  });

  it('held to the canary (ctx.exactVersions): installs each package at exactly the checked version, name=version', async () => {
    const s = scenario('updates pending (mode upgrade), applied');
    const { ctx } = context(s.recordings);
    const checked = await runner.check(ctx);
    const steps = await runner.plan({ ...ctx, exactVersions: true }, checked);
    expect(steps).toHaveLength(1);
    expect(steps[0]?.id).toBe('apt-install-exact');
    expect(steps[0]?.argv.slice(0, PREFIX.length + 4)).toEqual([
      ...PREFIX,
      '--no-install-recommends',
      '--no-remove',
      'install',
      '--only-upgrade',
    ]);
    expect(namesIn(steps[0]?.argv ?? [])).toEqual(checked.updates.map((u) => `${u.name}=${u.to}`));
    expect(steps[0]?.updates).toEqual(checked.updates);
    expect(runner.pinsVersions).toBe(true);
  });

  it('exactVersions in mode full-upgrade: a new dependency is named at its version too (install, not --only-upgrade), and may remove', async () => {
    const { ctx } = context([], { options: { mode: 'full-upgrade', lock_timeout_s: 5 }, exclusions: [] });
    const check: CheckResult = {
      updates: [
        { name: 'libc6:amd64', from: '2.36-9+deb12u7', to: '2.36-9+deb12u9' },
        { name: 'libnew1', from: null, to: '1:2.0~rc1-3' },
      ],
      withheld: [],
    };
    const steps = await runner.plan({ ...ctx, exactVersions: true }, check);
    expect(steps[0]?.argv).not.toContain('--no-remove');
    expect(steps[0]?.argv).not.toContain('--only-upgrade');
    expect(steps[0]?.argv.slice(-3)).toEqual(['install', 'libc6:amd64=2.36-9+deb12u9', 'libnew1=1:2.0~rc1-3']);
  });

  it('exactVersions: a version that is not a Debian version never reaches argv (coded error)', async () => {
    const { ctx } = context([]);
    for (const to of ['1.0 ; reboot', '$(reboot)', '-o=APT::x', '', 'abc', `1.${'0'.repeat(300)}`]) {
      const check: CheckResult = { updates: [{ name: 'curl', from: '7.88.1-10', to: to || 'x y' }], withheld: [] };
      expect(await codeOf(runner.plan({ ...ctx, exactVersions: true }, check)), to).toBe('E_RUNNER_UNSAFE_NAME');
    }
  });

  it('an excluded package that apt keeps back anyway is withheld once and nothing is planned', async () => {
    const s = scenario('kept back in mode upgrade');
    const { exec, ctx } = context(s.recordings, { exclusions: ['unrot-demo-*'] });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([]);
    expect(checked.withheld.map((w) => w.name)).toEqual(['unrot-demo-app']);
    expect(await runner.plan(ctx, checked)).toEqual([]);
    expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
  });

  it('in dry-run, apply records the step and reports nothing changed', async () => {
    const s = scenario('updates pending (mode upgrade), applied');
    const { exec, ctx } = context(s.recordings, { dryRun: true });
    const steps = await runner.plan(ctx, await runner.check(ctx));
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed).toEqual([]);
    expect(exec.records.filter((r) => r.kind === 'change').map((r) => r.executed)).toEqual([false]);
  });

  it('waits for another apt holding the lists lock, retrying apt-get update until it is free', async () => {
    // Real: apt 2.6.1 exits 100 at once on a held lists lock, whatever DPkg::Lock::Timeout says.
    const { exec, ctx } = context(lockWait.recordings, { options: { lock_timeout_s: 20 } });
    const checked = await runner.check(ctx);
    expect(checked.updates).toHaveLength(12);
    // Each try is one exec of update + simulate; the first exited 100 on the lock.
    expect(exec.records.filter((r) => r.argv[0] === 'sh')).toHaveLength(2);
  });

  it('gives up with E_EXEC_FAILED when the lists lock stays held past lock_timeout_s', async () => {
    const s = scenario('failing check: another apt holds the lists lock');
    const { exec, ctx } = context(s.recordings, { options: { lock_timeout_s: 0 } });
    const error = await runner.check(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_EXEC_FAILED', message: expect.stringContaining('lists lock stayed held') });
    expect(exec.records).toHaveLength(1);
  });

  it('an abort while waiting for the lists lock rejects with E_EXEC_ABORTED', async () => {
    const controller = new AbortController();
    const { ctx } = context(lockWait.recordings, { options: { lock_timeout_s: 20 } });
    const pending = runner.check({ ...ctx, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await codeOf(pending)).toBe('E_EXEC_ABORTED');
  });

  it('stops with E_EXEC_ABORTED when the signal is aborted', async () => {
    const s = scenario('updates pending (mode upgrade), applied');
    const controller = new AbortController();
    controller.abort();
    const exec = createReplayExec(s.recordings, { signal: controller.signal });
    const { ctx } = context(s.recordings);
    expect(await codeOf(runner.check({ ...ctx, exec, signal: controller.signal }))).toBe('E_EXEC_ABORTED');
  });
});
