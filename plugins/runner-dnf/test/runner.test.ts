// The runner on real recordings (fixtures/README.md): failures during apply, lock waiting, plan
// argv per option, hostile names, yum-only detection.
import type { CheckResult } from '@unrot/sdk';
import { createReplayExec, type Recording, type RunnerScenario } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { DnfOptions } from '../src/options.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };
import failures from './fixtures/failure-recordings.json' with { type: 'json' };
import { dnfContext } from './runner-context.js';

const DEFAULTS: DnfOptions = { mode: 'upgrade', security: false, lock_timeout_s: 120, gpgcheck: true };

function context(recordings: readonly Recording[], options: Partial<DnfOptions> = {}, exclusions: string[] = []) {
  return dnfContext(createReplayExec(recordings), { ...DEFAULTS, ...options }, exclusions);
}

const failure = (prefix: string) => {
  const f = failures.find((s) => s.name.startsWith(prefix));
  if (!f) throw new Error(`no recording ${prefix}`);
  return f;
};
const scenario = (name: string) => (scenarios as RunnerScenario[]).find((s) => s.name === name) as RunnerScenario;

describe('apply failures (real dnf 4.14 recordings)', () => {
  it("a failing %pre scriptlet: E_EXEC_FAILED naming dnf upgrade, rpm's words in the message, the output tail in details", async () => {
    const f = failure('failing %pre');
    const { ctx } = context(f.recordings as Recording[], f.options as DnfOptions);
    const steps = await runner.plan(ctx, await runner.check(ctx));
    const error = await runner
      .apply(ctx, steps)
      .catch((e: unknown) => e as { code: string; message: string; details: Record<string, unknown> });
    expect(error).toMatchObject({ code: 'E_EXEC_FAILED' });
    expect(error?.message).toMatch(/^dnf upgrade failed \(exit 1\): .*Error in PREIN scriptlet in rpm package unrot-sandbox-failing/);
    expect(error?.details.argv).toEqual(steps[0]?.argv);
    expect(((error?.details.output ?? []) as string[]).some((l) => l.includes('refuses to install (test scriptlet)'))).toBe(true);
    expect(error).toMatchObject({ code: f.error.code, message: f.error.message });
  });

  it('the rpm database locked by another dnf, lock_timeout_s 0: E_EXEC_FAILED with "RPMDB already locked by PID"', async () => {
    const f = failure('another dnf transaction');
    const { ctx } = context(f.recordings as Recording[], { lock_timeout_s: 0 });
    const steps = await runner.plan(ctx, await runner.check(ctx));
    const error = await runner.apply(ctx, steps).catch((e: unknown) => e as { code: string; message: string });
    expect(error?.code).toBe('E_EXEC_FAILED');
    expect(error?.message).toMatch(/the lock stayed held for 0 s: .*RPMDB already locked by \d+/);
  });

  it('waits while the lock is held, then runs the same argv again: the locked attempt, then the real upgrade of the first scenario', async () => {
    const locked = failure('another dnf transaction').recordings as Recording[];
    const pending = scenario('updates pending (mode upgrade), applied').recordings;
    const upgrade = locked.find((r) => r.change) as Recording;
    const success = pending.find((r) => r.change && JSON.stringify(r.argv) === JSON.stringify(upgrade.argv));
    expect(success, 'both recordings ran the same argv').toBeDefined();
    // After the locked attempt: the successful one, then its readback (rpm -q) and needs-restarting.
    const after = pending.slice(pending.indexOf(success as Recording));
    const { ctx, exec, logged } = context([...locked, ...after.filter((r) => r.phase === 'apply')], { lock_timeout_s: 5 });
    const steps = await runner.plan(ctx, await runner.check(ctx));
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed).toEqual([
      { name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' },
      { name: 'unrot-sandbox-extra', from: '2:1.0-1', to: '2:1.1-1' },
    ]);
    expect(exec.records.filter((r) => r.kind === 'change')).toHaveLength(2);
    expect(logged).toContain('dnf/rpm lock held by another process; waiting');
  }, 20_000);
});

describe('check failures (real recordings of the contract scenarios)', () => {
  it.each([
    ['failing check: repository unreachable', /Cannot download repomd\.xml/],
    ['failing check: corrupt metadata', /primary\.xml\.gz - Cannot download/],
  ])("%s: E_EXEC_FAILED naming check-update, with dnf's Error line", async (name, words) => {
    const { ctx } = context(scenario(name).recordings);
    const error = await runner.check(ctx).catch((e: unknown) => e as { code: string; message: string; details: Record<string, unknown> });
    expect(error?.code).toBe('E_EXEC_FAILED');
    expect(error?.message).toMatch(
      /^dnf -q --refresh .* check-update failed \(exit 1\): Error: Failed to download metadata for repo 'unrot-sandbox'/,
    );
    expect(error?.message).toMatch(words);
    expect(error?.details.output).toEqual(expect.arrayContaining([expect.stringMatching(/^Error: Failed to download metadata/)]));
  });
});

describe('plan', () => {
  const check: CheckResult = {
    updates: [
      { name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' },
      { name: 'unrot-sandbox-extra', from: '2:1.0-1', to: '2:1.1-1' },
    ],
    withheld: [],
  };
  const argv = (options: Partial<DnfOptions>, exclusions: string[] = []) =>
    runner.plan(context([], options, exclusions).ctx, check).then((s) => s.map((x) => x.argv));

  it('mode upgrade names the packages; exclusions become --exclude; --security; --nogpgcheck only when gpgcheck is false', async () => {
    const prefix = ['env', 'LC_ALL=C', 'dnf', '-y', '--setopt=exit_on_lock=True'];
    expect(await argv({})).toEqual([[...prefix, 'upgrade', 'unrot-sandbox-demo', 'unrot-sandbox-extra']]);
    expect(await argv({ security: true }, ['kernel*', 'npm:@scope/*'])).toEqual([
      [...prefix, '--exclude=kernel*', 'upgrade', '--security', 'unrot-sandbox-demo', 'unrot-sandbox-extra'],
    ]);
    expect(await argv({ gpgcheck: false })).toEqual([[...prefix, '--nogpgcheck', 'upgrade', 'unrot-sandbox-demo', 'unrot-sandbox-extra']]);
  });

  it('mode upgrade-minimal pins the versions check found (NAME-[E:]V-R), the same argv for dnf 4 and dnf5', async () => {
    expect(await argv({ mode: 'upgrade-minimal' })).toEqual([
      ['env', 'LC_ALL=C', 'dnf', '-y', '--setopt=exit_on_lock=True', 'upgrade', 'unrot-sandbox-demo-1.1-1', 'unrot-sandbox-extra-2:1.1-1'],
    ]);
    const multilib: CheckResult = { updates: [{ name: 'glibc.i686', from: '2.38-1', to: '2.38-2' }], withheld: [] };
    const steps = await runner.plan(context([], { mode: 'upgrade-minimal' }).ctx, multilib);
    expect(steps[0]?.argv.at(-1)).toBe('glibc-2.38-2.i686');
  });

  it.each(['foo;reboot', '-rf', '$(reboot)', 'a b'])('refuses the name %j with E_RUNNER_UNSAFE_NAME', async (name) => {
    const bad: CheckResult = { updates: [{ name, from: '1-1', to: '2-1' }], withheld: [] };
    await expect(runner.plan(context([]).ctx, bad)).rejects.toMatchObject({ code: 'E_RUNNER_UNSAFE_NAME' });
  });

  it('nothing pending: no step', async () => {
    expect(await runner.plan(context([]).ctx, { updates: [], withheld: [] })).toEqual([]);
  });
});

describe('detect', () => {
  // Only the exit codes matter here (127 = not found, as pct exec reports it); no output is parsed.
  it('a yum-only system (dnf 127, yum present) is refused with the reason', async () => {
    const { ctx } = context([
      { argv: ['dnf', '--version'], exitCode: 127, stdout: '' },
      { argv: ['yum', '--version'], exitCode: 0, stdout: '' },
    ]);
    expect(await runner.detect(ctx)).toEqual({ applicable: false, reason: expect.stringMatching(/^only yum is installed \(no dnf\)/) });
  });
});
