import { type CheckResult, isUnrotError, type RunnerContext, silentLogger, type UnrotError } from '@unrot/sdk';
import { contractContainer, createReplayExec, type Recording, type RunnerScenario } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { PRIVATE_DBPATH } from '../src/argv.js';
import { runner } from '../src/index.js';
import type { PacmanOptions } from '../src/options.js';
import applyFailures from './fixtures/apply-failures.json' with { type: 'json' };
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

const all = scenarios as RunnerScenario[];
const scenario = (name: string): RunnerScenario => {
  const s = all.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};
const PENDING = 'pre-flight: the [unrot] mirror, then updates pending, applied';

function context(recordings: Recording[], extra: { exclusions?: string[]; options?: Partial<PacmanOptions>; dryRun?: boolean } = {}) {
  const exec = createReplayExec(recordings, { dryRun: extra.dryRun ?? false });
  const ctx: RunnerContext<PacmanOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: { lock_timeout_s: 120, ...extra.options },
    container: contractContainer(),
    exclusions: extra.exclusions ?? [],
  };
  return { exec, ctx };
}

async function errorOf(promise: Promise<unknown>): Promise<UnrotError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => {
      if (!isUnrotError(e)) throw new Error(`not coded: ${String(e)}`);
      return e;
    },
  );
}

/** Recordings of one phase onwards, as the runner will ask for them. */
const withoutSources = (s: RunnerScenario) => s.recordings.filter((r) => r.phase !== 'sources');

describe('check never touches the live database', () => {
  it.each(all.filter((s) => s.expect.applicable).map((s) => s.name))(
    '%s: every check command stays in the private dbpath or only reads',
    (name) => {
      for (const r of scenario(name).recordings.filter((x) => x.phase === 'check' || x.phase === 'after')) {
        const argv = r.argv.join(' ');
        const pacmanOp = r.argv.includes('pacman') ? r.argv[r.argv.indexOf('pacman') + 1] : undefined;
        if (pacmanOp !== undefined) expect(r.argv, argv).toContain(PRIVATE_DBPATH);
        else
          expect(argv).toMatch(
            /^(env LC_ALL=C pacman-conf|mkdir -p \/var\/lib\/unrot\/pacman-sync|ln -sfnT \/var\/lib\/pacman\/local \/var\/lib\/unrot\/pacman-sync\/local)$/,
          );
      }
    },
  );
});

describe('names from pacman output never reach argv unchecked', () => {
  const HOSTILE = ['-rf', 'foo;reboot', '$(reboot)', '`reboot`', '.hidden'];
  it.each(HOSTILE)('check rejects %j printed by pacman -Qu with E_RUNNER_UNSAFE_NAME and changes nothing', async (name) => {
    // A real recording with the package name edited: pacman never prints such a name, the guard must hold anyway.
    const recordings = withoutSources(scenario(PENDING)).map((r) =>
      r.argv.includes('-Qu') || r.argv.includes('-Su') ? { ...r, stdout: r.stdout.replace('unrot-sandbox-demo', name) } : r,
    );
    const { exec, ctx } = context(recordings);
    expect((await errorOf(runner.check(ctx))).code).toBe('E_RUNNER_UNSAFE_NAME');
    expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
  });

  it('plan rejects a hostile name even when handed a check result that skipped validation', async () => {
    const { ctx } = context([]);
    for (const name of HOSTILE) {
      const check: CheckResult = {
        updates: [{ name: 'a', from: '1-1', to: '2-1' }],
        withheld: [{ name, reason: 'excluded by policy (pacman -Syu --ignore)' }],
      };
      expect((await errorOf(runner.plan(ctx, check))).code).toBe('E_RUNNER_UNSAFE_NAME');
      expect((await errorOf(runner.plan(ctx, { updates: [{ name, from: '1-1', to: '2-1' }], withheld: [] }))).code).toBe(
        'E_RUNNER_UNSAFE_NAME',
      );
    }
  });
});

describe('plan', () => {
  it('is the full upgrade, with no package named', async () => {
    const { ctx } = context(withoutSources(scenario(PENDING)));
    await runner.detect(ctx);
    const checked = await runner.check(ctx);
    expect(checked).toEqual({ updates: [{ name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' }], withheld: [] });
    const [step, ...rest] = await runner.plan(ctx, checked);
    expect(rest).toEqual([]);
    expect(step?.argv).toEqual(['env', 'LC_ALL=C', 'pacman', '-Syu', '--noconfirm']);
  });

  it('turns a glob exclusion into --ignore with the concrete pending name', async () => {
    const s = scenario('glob exclusion unrot-sandbox-k* keeps unrot-sandbox-keep (--ignore), applied');
    const { ctx } = context(s.recordings, { exclusions: ['unrot-sandbox-k*'] });
    await runner.detect(ctx);
    const checked = await runner.check(ctx);
    expect(checked.withheld).toEqual([{ name: 'unrot-sandbox-keep', reason: 'excluded by policy (pacman -Syu --ignore)' }]);
    expect((await runner.plan(ctx, checked))[0]?.argv).toEqual([
      'env',
      'LC_ALL=C',
      'pacman',
      '-Syu',
      '--noconfirm',
      '--ignore',
      'unrot-sandbox-keep',
    ]);
  });

  it('leaves IgnorePkg to pacman.conf: held, not passed again', async () => {
    const { ctx } = context(scenario('IgnorePkg in pacman.conf is reported as held').recordings);
    await runner.detect(ctx);
    const checked = await runner.check(ctx);
    expect(checked.withheld).toEqual([{ name: 'unrot-sandbox-keep', reason: 'held by IgnorePkg/IgnoreGroup in pacman.conf' }]);
    expect((await runner.plan(ctx, checked))[0]?.argv).toEqual(['env', 'LC_ALL=C', 'pacman', '-Syu', '--noconfirm']);
  });
});

describe('check failures keep pacman’s words', () => {
  const checkError = async (name: string, options: Partial<PacmanOptions> = {}) => {
    const s = scenario(name);
    const { exec, ctx } = context(s.recordings, { exclusions: s.exclusions ?? [], options: { ...(s.options as object), ...options } });
    await runner.detect(ctx);
    const error = await errorOf(runner.check(ctx));
    expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
    return error;
  };

  it('a partial upgrade is refused with E_CONFIG, naming who needs the excluded package', async () => {
    const e = await checkError('excluding a dependency of another upgrade is a refused partial upgrade');
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toContain('partial upgrade');
    expect(e.message).toContain('unrot-sandbox-needs requires unrot-sandbox-keep>=1.1');
    expect(e.details['output']).toContain('error: failed to prepare transaction (could not satisfy dependencies)');
  });

  it('an unreachable mirror', async () => {
    const e = await checkError('failing check: mirror unreachable');
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.message).toContain("error: failed retrieving file 'unrot.db' from 127.0.0.1:9");
  });

  it('a corrupt database (pacman -Sy accepts it; -Qu fails)', async () => {
    const e = await checkError('failing check: corrupt repository database');
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.message).toContain('Unrecognized archive format');
  });

  it('a locked private database names its lock file', async () => {
    const e = await checkError('failing check: the private sync database is locked');
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.message).toContain(`${PRIVATE_DBPATH}/db.lck`);
    expect(e.details['output']).toContain('error: failed to synchronize all databases (unable to lock database)');
  });
});

type Failure = (typeof applyFailures)[number];
const failure = (name: string): Failure => {
  const f = applyFailures.find((x) => x.name === name);
  if (!f) throw new Error(`no apply failure ${name}`);
  return f;
};

async function replayApply(f: Failure) {
  const { exec, ctx } = context(f.recordings as Recording[], { options: f.options });
  await runner.detect(ctx);
  const steps = await runner.plan(ctx, await runner.check(ctx));
  return { exec, result: runner.apply(ctx, steps) };
}

describe('apply failures (recorded on real pacman)', () => {
  it('a failing post_upgrade: pacman exits 0, the runner still fails with the scriptlet’s words', async () => {
    const f = failure('post_upgrade scriptlet fails');
    expect(f.installedAfter).toEqual({ 'unrot-sandbox-broken': '1.1-1' });
    const e = await errorOf((await replayApply(f)).result);
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.details['exitCode']).toBe(0);
    expect(e.details['output']).toEqual(
      expect.arrayContaining(['unrot-sandbox-broken: post_upgrade fails on purpose', 'error: command failed to execute correctly']),
    );
  });

  it('a file conflict fails the transaction with pacman’s message', async () => {
    const f = failure('file conflict fails the transaction');
    const e = await errorOf((await replayApply(f)).result);
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.message).toContain('error: failed to commit transaction (conflicting files)');
    expect(e.details['output']).toContain(
      "/usr/share/unrot-sandbox-demo/version exists in both 'unrot-sandbox-conflict' and 'unrot-sandbox-demo'",
    );
  });

  it('a live lock that stays: waits lock_timeout_s, then names /var/lib/pacman/db.lck (never removed)', async () => {
    const started = Date.now();
    const e = await errorOf((await replayApply(failure('the live database stays locked'))).result);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.message).toContain('/var/lib/pacman/db.lck');
    expect(e.details['lockFile']).toBe('/var/lib/pacman/db.lck');
  }, 15_000);

  it('a live lock that is released: the same argv runs again and applies', async () => {
    const { exec, result } = await replayApply(failure('the live database lock is released while the runner waits'));
    expect(await result).toMatchObject({ changed: [{ name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' }] });
    const changes = exec.records.filter((r) => r.kind === 'change').map((r) => r.argv.join(' '));
    expect(new Set(changes)).toEqual(new Set(['env LC_ALL=C pacman -Syu --noconfirm']));
  }, 15_000);
});

describe('dry-run', () => {
  it('apply runs nothing and reports nothing changed', async () => {
    const { exec, ctx } = context(withoutSources(scenario(PENDING)), { dryRun: true });
    await runner.detect(ctx);
    const applied = await runner.apply(ctx, await runner.plan(ctx, await runner.check(ctx)));
    expect(applied.changed).toEqual([]);
    expect(exec.records.filter((r) => r.kind === 'change' && r.executed)).toEqual([]);
  });
});
