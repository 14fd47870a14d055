// The recorder and the kit on a real (tiny) runner: test/contract-kit/file-runner.ts runs cat, test
// and cp on this machine. The recorder captures its lifecycle in a temp directory; the kit passes
// the runner on those captures and each kit check fails on a variant written to break it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Runner, RunnerContext } from '../../src/runner.js';
import {
  assertIdentity,
  assertInvalidOptionsRefused,
  assertOptionalMethods,
  assertScenarioCoverage,
  type RunnerScenario,
  runRunnerContract,
} from '../../src/testing/contract-kit.js';
import {
  assertAbortedCheck,
  assertApply,
  assertDetectAndCheck,
  assertDryRun,
  assertPlan,
  contractContainer,
} from '../../src/testing/lifecycle-checks.js';
import { createLocalExec } from '../../src/testing/local-exec.js';
import { createRecorder, createRecordingExec, type RecorderTarget, recordScenario } from '../../src/testing/recorder.js';
import {
  broken,
  changesInCheck,
  changesInPlan,
  doubleCounts,
  fileRunner,
  ignoresAbort,
  noopApply,
  plansShell,
  plansWhenCurrent,
  readsStepsInDryRun,
  skipsSteps,
  swallowsRefusalInCheck,
} from './file-runner.js';

const work = mkdtempSync(join(tmpdir(), 'unrot-kit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A package directory with `installed` 1.0 and `available` 1.1: one update pending. */
function pendingPackage(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'installed'), '1.0\n');
  writeFileSync(join(dir, 'available'), '1.1\n');
  return dir;
}

const target: RecorderTarget = {
  exec: createLocalExec({ cwd: work }),
  where: `this machine, package directories under ${work}`,
  toolVersion: ['cp', '--version'],
};
const good = fileRunner as unknown as Runner<TSchema>;
const recorder = createRecorder(good, { target, log: () => undefined });
const pkg = pendingPackage('pkg');
const pending = await recorder.record({
  name: 'an update pending, applied',
  how: 'installed 1.0, available 1.1',
  options: { dir: pkg },
  expect: { applicable: true, updates: 1, withheld: [] },
});
const current = await recorder.record({
  name: 'nothing pending after the update',
  how: 'the same directory right after the previous scenario',
  options: { dir: pkg },
  expect: { applicable: true, updates: 0, withheld: [] },
});
await recorder.record({
  name: 'excluded: the update is withheld',
  how: 'a second package directory, installed 1.0, available 1.1, exclusions [dem*]',
  options: { dir: pendingPackage('excluded') },
  exclusions: ['dem*'],
  expect: { applicable: true, updates: 0, withheld: ['demo'] },
});
const missing = await recorder.record({
  name: 'no package directory: not applicable',
  how: 'the configured directory does not exist (test -d exits 1)',
  options: { dir: join(work, 'gone') },
  expect: { applicable: false },
});

/**
 * The lifecycle the recorder runs, without its verdicts: how a broken runner's real outputs are
 * captured (the recorder itself refuses to keep them).
 */
async function recordWithoutVerdict(runner: Runner<TSchema>, dir: string): Promise<RunnerScenario> {
  const exec = createRecordingExec(createLocalExec({ cwd: work }));
  const signal = new AbortController().signal;
  const options = Value.Default(runner.optionsSchema, { dir });
  const ctx: RunnerContext<unknown> = { exec, log: silentLogger, signal, options, container: contractContainer(), exclusions: [] };
  await runner.detect(ctx);
  exec.phase = 'check';
  const checked = await runner.check(ctx);
  exec.phase = 'plan';
  const steps = await runner.plan(ctx, checked);
  exec.phase = 'apply';
  await runner.apply(ctx, steps);
  exec.phase = 'after';
  await runner.check(ctx);
  return {
    name: 'recorded without verdict',
    source: dir,
    options: { dir },
    recordings: exec.recordings,
    expect: { applicable: true, updates: 1 },
  };
}

describe("the kit passes the runner that keeps the rules, on the recorder's captures", () => {
  runRunnerContract(good, recorder.scenarios);
});

describe('the recorder', () => {
  it('keeps every real output in order, marks what changed the system and the phase, and records the after-state', () => {
    const byPhase = (phase: string) => pending.recordings.filter((r) => r.phase === phase);
    expect(pending.recordings.filter((r) => r.change)).toEqual([
      { argv: ['cp', `${pkg}/available`, `${pkg}/installed`], exitCode: 0, stdout: '', stderr: '', change: true, phase: 'apply' },
    ]);
    expect(byPhase('detect').map((r) => r.argv)).toEqual([['test', '-d', pkg]]);
    expect(byPhase('check').map((r) => r.stdout)).toEqual(['1.0\n', '1.1\n']);
    // The check run again after apply: the update is no longer pending.
    expect(byPhase('after').map((r) => r.stdout)).toEqual(['1.1\n', '1.1\n']);
    expect(missing.recordings).toEqual([
      { argv: ['test', '-d', join(work, 'gone')], exitCode: 1, stdout: '', stderr: '', phase: 'detect' },
    ]);
  });

  it('writes provenance: the tool version read from the target, the date, the command and where', () => {
    const p = pending.provenance;
    expect(p?.tool).toEqual({ argv: ['cp', '--version'], version: expect.stringMatching(/^cp \(GNU coreutils\) \d/) });
    expect(Date.now() - Date.parse(p?.recordedAt ?? '')).toBeLessThan(600_000);
    expect(p?.recorder.length).toBeGreaterThan(0);
    expect(p?.where).toBe(target.where);
    expect(pending.source).toContain('installed 1.0, available 1.1');
    expect(pending.source).toContain(p?.tool.version);
  });

  it('refuses a runner that changes anything outside apply, before the change runs', async () => {
    const dir = pendingPackage('refused-check');
    await expect(
      recordScenario(changesInCheck as Runner<TSchema>, target, {
        name: 'x',
        how: 'x',
        options: { dir },
        expect: { applicable: true, updates: 1 },
      }),
    ).rejects.toMatchObject({ code: 'E_DRY_RUN_VIOLATION' });
    await expect(
      recordScenario(swallowsRefusalInCheck as Runner<TSchema>, target, {
        name: 'y',
        how: 'y',
        options: { dir },
        expect: { applicable: true, updates: 1 },
      }),
    ).rejects.toThrow(/tried to change the system outside apply: check: touch/);
    await expect(createLocalExec().read(['test', '-e', `${dir}/checked`], { okExitCodes: [1] })).resolves.toMatchObject({ exitCode: 1 });
  });

  it('refuses to keep a run whose apply leaves the planned update pending, or that contradicts the expectation', async () => {
    const dir = pendingPackage('refused-noop');
    await expect(
      recordScenario(noopApply as Runner<TSchema>, target, {
        name: 'noop',
        how: 'x',
        options: { dir },
        expect: { applicable: true, updates: 1 },
      }),
    ).rejects.toThrow(/still pending after apply/);
    await expect(
      recordScenario(good, target, { name: 'count', how: 'x', options: { dir }, expect: { applicable: true, updates: 2 } }),
    ).rejects.toThrow(/reported 1 updates, expected 2/);
  });
});

describe('each kit check fails on a runner written to break it', () => {
  it('identity and options defaults', () => {
    expect(() => assertIdentity(good)).not.toThrow();
    expect(() => assertIdentity(broken('bad id', { id: 'File_Demo' }))).toThrow(/id/);
    const strict = broken('defaults fail its own schema', { optionsSchema: Type.Object({ dir: Type.String({ minLength: 1 }) }) as never });
    expect(() => assertIdentity(strict)).toThrow(/defaults pass the options schema/);
  });

  it('scenario coverage', () => {
    expect(() => assertScenarioCoverage(recorder.scenarios)).not.toThrow();
    expect(() => assertScenarioCoverage([missing, current])).toThrow(/pending updates/);
    expect(() => assertScenarioCoverage([pending, missing])).toThrow(/nothing pending/);
  });

  it('optional methods and what tests them', () => {
    expect(() => assertOptionalMethods(good, recorder.scenarios)).not.toThrow();
    const withSources = broken('sources() without scenarios', { sources: async () => [] } as never);
    expect(() => assertOptionalMethods(withSources, recorder.scenarios)).toThrow(/expect.sources/);
    const invalidOptions = [{ name: 'empty dir', options: { dir: '' }, problems: [['dir']] }];
    expect(() => assertOptionalMethods(good, recorder.scenarios, { invalidOptions })).toThrow(/validateOptions/);
  });

  it('validateOptions refuses the invalid cases', () => {
    const refuses = broken('refuses an empty dir', {
      validateOptions: (o: { dir: string }) => (o.dir === '' ? [{ path: ['dir'], message: 'empty' }] : []),
    } as never);
    const accepts = broken('accepts everything', { validateOptions: () => [] } as never);
    const invalid = { name: 'empty dir', options: { dir: '' }, problems: [['dir']] };
    expect(() => assertInvalidOptionsRefused(refuses, invalid)).not.toThrow();
    expect(() => assertInvalidOptionsRefused(accepts, invalid)).toThrow(/paths of the problems/);
  });

  it('detect and check: no change, and the expected updates', async () => {
    await expect(assertDetectAndCheck(good, pending)).resolves.toBeUndefined();
    await expect(assertDetectAndCheck(changesInCheck, pending)).rejects.toThrow(
      /changing command where the engine forbids it: change outside apply during check/,
    );
    await expect(assertDetectAndCheck(swallowsRefusalInCheck, pending)).rejects.toThrow(/change outside apply during check/);
    await expect(assertDetectAndCheck(doubleCounts, pending)).rejects.toThrow(/check: updates/);
  });

  it('plan: no change, exact argv without a shell, nothing when nothing is pending', async () => {
    await expect(assertPlan(good, pending)).resolves.toBeUndefined();
    await expect(assertPlan(changesInPlan, pending)).rejects.toThrow(/change outside apply during plan/);
    await expect(assertPlan(plansShell, pending)).rejects.toThrow(/shell command/);
    await expect(assertPlan(plansWhenCurrent, current)).rejects.toThrow(/an empty plan/);
  });

  it('plan with exactVersions: a runner declaring pinsVersions must name each update at exactly its `to`', async () => {
    // Planned only, never run: the kit judges the argv the runner would hand apply.
    const pins = broken('names demo=VERSION when asked', {
      pinsVersions: true,
      async plan(ctx, check) {
        const steps = await fileRunner.plan(ctx, check);
        if (!ctx.exactVersions) return steps;
        return steps.map((s) => ({ ...s, argv: ['demo-install', ...s.updates.map((u) => `${u.name}=${u.to}`)] }));
      },
    } as never);
    const ignores = broken('declares pinsVersions, plans cp anyway', { pinsVersions: true } as never);
    const otherVersion = broken('pins another version', {
      pinsVersions: true,
      async plan(ctx, check) {
        return (await fileRunner.plan(ctx, check)).map((s) => ({ ...s, argv: ['demo-install', 'demo=1.0'] }));
      },
    } as never);
    await expect(assertPlan(pins, pending)).resolves.toBeUndefined();
    await expect(assertPlan(ignores, pending)).rejects.toThrow(/exactVersions: step demo-install names demo at exactly 1\.1/);
    await expect(assertPlan(otherVersion, pending)).rejects.toThrow(/exactVersions/);
    // Without the declaration the engine never asks, and the kit does not either.
    await expect(assertPlan(good, pending)).resolves.toBeUndefined();
    expect(() => assertOptionalMethods(broken('pinsVersions not a boolean', { pinsVersions: 'yes' } as never), recorder.scenarios)).toThrow(
      /pinsVersions is a boolean/,
    );
  });

  it('dry-run: fails a runner that runs a changing command through read()', async () => {
    await expect(assertDryRun(good, pending)).resolves.toBeUndefined();
    // The recorder marked the cp as changing: the replay exec refuses it through read().
    await expect(assertDryRun(readsStepsInDryRun, pending)).rejects.toThrow(/changing command through read during apply/);
    // A capture made before the recorder has no marks: the planned argv alone give the runner away.
    const unmarked = { ...pending, recordings: pending.recordings.map(({ change: _, ...r }) => r) };
    await expect(assertDryRun(good, unmarked)).resolves.toBeUndefined();
    await expect(assertDryRun(readsStepsInDryRun, unmarked)).rejects.toThrow(/planned step through read\(\)/);
  });

  it('apply: runs the plan, and check afterwards finds none of it pending', async () => {
    await expect(assertApply(good, pending)).resolves.toBeUndefined();
    await expect(assertApply(skipsSteps, pending)).rejects.toThrow(/planned argv/);
    const noop = await recordWithoutVerdict(noopApply, pendingPackage('noop'));
    await expect(assertApply(noopApply, noop)).rejects.toThrow(/still reports what the plan was to update/);
    // A capture without the after-state cannot prove apply worked.
    const before = { ...pending, recordings: pending.recordings.filter((r) => r.phase !== 'after') };
    await expect(assertApply(good, before)).rejects.toThrow(/no after-state recording/);
  });

  it('abort: check rejects with a coded error', async () => {
    await expect(assertAbortedCheck(good, pending)).resolves.toBeUndefined();
    await expect(assertAbortedCheck(ignoresAbort, pending)).rejects.toThrow(/coded error when aborted/);
  });
});
