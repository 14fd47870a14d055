// The kit's checks of a runner's lifecycle on one scenario's recordings, as functions that throw:
// runRunnerContract calls each inside an `it`, and packages/sdk/test proves each fails on a
// runner written to break it. They replay the lifecycle in the order the recorder ran it
// (detect → sources → check → plan → apply → check again), so every read gets the output it got.
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { expect } from 'vitest';
import type { ContainerInfo } from '../container.js';
import { isUnrotError } from '../errors.js';
import { silentLogger } from '../logger.js';
import {
  type ApplyResult,
  ApplyResultSchema,
  type CheckResult,
  CheckResultSchema,
  DetectResultSchema,
  type PlanStep,
  PlanStepSchema,
} from '../results.js';
import type { Runner, RunnerContext } from '../runner.js';
import type { RunnerScenario } from './contract-kit.js';
import { createReplayExec, type LifecyclePhase, type ReplayExec } from './replay-exec.js';
import { assertNoShell } from './runner-checks.js';

export function contractContainer(overrides: Partial<ContainerInfo> = {}): ContainerInfo {
  return { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false, ...overrides };
}

/** A scenario's options as the engine hands them to the runner: defaults applied to a copy. */
export function optionsOf(runner: Runner<TSchema>, options: unknown): unknown {
  return Value.Default(runner.optionsSchema, structuredClone(options ?? {}));
}

/** A replay exec on the scenario's recordings and the context the engine would build around it. */
export function scenarioContext(
  runner: Runner<TSchema>,
  scenario: RunnerScenario,
  dryRun = false,
  signal: AbortSignal = new AbortController().signal,
): { exec: ReplayExec; ctx: RunnerContext<unknown> } {
  const exec = createReplayExec(scenario.recordings, { dryRun, signal, phase: 'detect' });
  const ctx: RunnerContext<unknown> = {
    exec,
    log: silentLogger,
    signal,
    options: optionsOf(runner, scenario.options),
    container: contractContainer(scenario.container),
    exclusions: scenario.exclusions ?? [],
  };
  return { exec, ctx };
}

const describeViolations = (exec: ReplayExec) =>
  exec.violations.map((v) => `${v.rule} during ${v.phase}: ${JSON.stringify(v.argv)}`).join('; ');

/**
 * Runs one phase. Whatever the runner does with the exec's refusal (propagate it or swallow it),
 * a changing command outside apply, or a recorded changing command run through read(), fails here.
 */
export async function inPhase<T>(exec: ReplayExec, phase: LifecyclePhase, run: () => Promise<T>): Promise<T> {
  exec.phase = phase;
  const outcome = await run().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(exec.violations, `the runner ran a changing command where the engine forbids it: ${describeViolations(exec)}`).toEqual([]);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** detect (and sources, when the scenario expects them) as the engine runs them before check. */
async function detectFirst(runner: Runner<TSchema>, scenario: RunnerScenario, exec: ReplayExec, ctx: RunnerContext<unknown>) {
  const detected = await inPhase(exec, 'detect', () => runner.detect(ctx));
  if (detected.applicable && scenario.expect.sources) await inPhase(exec, 'sources', async () => runner.sources?.(ctx));
  return detected;
}

/** detect and check return valid data matching `expect`, and change nothing. */
export async function assertDetectAndCheck(runner: Runner<TSchema>, scenario: RunnerScenario): Promise<void> {
  const { exec, ctx } = scenarioContext(runner, scenario);
  const detected = await inPhase(exec, 'detect', () => runner.detect(ctx));
  expect(Value.Check(DetectResultSchema, detected), `detect returns a valid result, got ${JSON.stringify(detected)}`).toBe(true);
  expect(detected.applicable, 'detect: applicable').toBe(scenario.expect.applicable);
  if (detected.applicable) {
    if (scenario.expect.checkErrorCode) {
      const error = await inPhase(exec, 'check', () => runner.check(ctx)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUnrotError(error), `check must fail with a coded error, got ${String(error)}`).toBe(true);
      expect((error as { code: string }).code).toBe(scenario.expect.checkErrorCode);
    } else {
      const checked = await inPhase(exec, 'check', () => runner.check(ctx));
      expect([...Value.Errors(CheckResultSchema, checked)]).toEqual([]);
      if (scenario.expect.updates !== undefined) expect(checked.updates, 'check: updates').toHaveLength(scenario.expect.updates);
      if (scenario.expect.withheld)
        expect(checked.withheld.map((w) => w.name).sort(), 'check: withheld').toEqual([...scenario.expect.withheld].sort());
    }
  }
  expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
  for (const r of exec.records) assertNoShell(r.argv, runner.scripts);
}

/** plan returns exact argv, nothing when nothing is pending, and changes nothing. */
export async function assertPlan(runner: Runner<TSchema>, scenario: RunnerScenario): Promise<void> {
  const { exec, ctx } = scenarioContext(runner, scenario);
  await detectFirst(runner, scenario, exec, ctx);
  const checked = await inPhase(exec, 'check', () => runner.check(ctx));
  const steps = await inPhase(exec, 'plan', () => runner.plan(ctx, checked));
  for (const step of steps) {
    expect([...Value.Errors(PlanStepSchema, step)]).toEqual([]);
    assertNoShell(step.argv);
  }
  if (checked.updates.length === 0) expect(steps, 'nothing pending: an empty plan').toEqual([]);
  else expect(steps.length, 'updates pending: a plan with steps').toBeGreaterThan(0);
  if (runner.pinsVersions) assertExactVersions(await inPhase(exec, 'plan', () => runner.plan({ ...ctx, exactVersions: true }, checked)));
  expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
}

/**
 * A runner that declares `pinsVersions`, planning with `exactVersions`: each step's argv names
 * every update the step carries together with exactly its `to` in one word (`name=1.2`,
 * `name@1.2`, `name==1.2`), so the package manager cannot pick another version.
 */
export function assertExactVersions(steps: readonly PlanStep[]): void {
  for (const step of steps) {
    assertNoShell(step.argv);
    for (const u of step.updates) {
      const named = step.argv.some((word) => word.startsWith(u.name) && word.endsWith(u.to) && word.length > u.name.length + u.to.length);
      expect(
        named,
        `exactVersions: step ${step.id} names ${u.name} at exactly ${u.to} in one argv word: ${JSON.stringify(step.argv)}`,
      ).toBe(true);
    }
  }
}

/**
 * The whole lifecycle in dry-run: no changing command executes. The replay exec never runs a
 * change() in dry-run, so what can fail is a runner that goes around it: a command the recorder
 * saw change the system, or a planned step, run through read() (which runs in dry-run too).
 */
export async function assertDryRun(runner: Runner<TSchema>, scenario: RunnerScenario): Promise<void> {
  const { exec, ctx } = scenarioContext(runner, scenario, true);
  await detectFirst(runner, scenario, exec, ctx);
  const checked = await inPhase(exec, 'check', () => runner.check(ctx));
  const steps = await inPhase(exec, 'plan', () => runner.plan(ctx, checked));
  const before = exec.records.length;
  // A violation fails in inPhase; any other failure is the runner's own business in dry-run. What
  // apply reports as changed is not judged: its reads after a skipped change get the recorded after-state.
  await inPhase(exec, 'apply', () => runner.apply(ctx, steps).catch(() => undefined));
  expect(
    exec.records.filter((r) => r.kind === 'change' && r.executed),
    'no change() executed in dry-run',
  ).toEqual([]);
  const planned = new Set(steps.map((s) => JSON.stringify(s.argv)));
  const readPlanned = exec.records.slice(before).filter((r) => r.kind === 'read' && planned.has(JSON.stringify(r.argv)));
  expect(
    readPlanned.map((r) => r.argv),
    'in dry-run apply ran a planned step through read(), which dry-run does not stop',
  ).toEqual([]);
}

const updateKey = (u: { name: string; scope?: string | undefined }) => `${u.scope ?? ''}\u0000${u.name}`;

/**
 * apply runs exactly the planned argv through change(), returns a valid result, and leaves
 * nothing it planned pending: check runs once more on the after-state the recorder captured, and
 * like the engine's verify it fails when an update a plan step carried is still reported.
 */
export async function assertApply(runner: Runner<TSchema>, scenario: RunnerScenario): Promise<void> {
  const { exec, ctx } = scenarioContext(runner, scenario);
  await detectFirst(runner, scenario, exec, ctx);
  const checked: CheckResult = await inPhase(exec, 'check', () => runner.check(ctx));
  const steps = await inPhase(exec, 'plan', () => runner.plan(ctx, checked));
  const before = exec.records.length;
  const result: ApplyResult = await inPhase(exec, 'apply', () => runner.apply(ctx, steps));
  expect([...Value.Errors(ApplyResultSchema, result)]).toEqual([]);
  const changes = exec.records.slice(before).filter((r) => r.kind === 'change');
  expect(
    changes.map((r) => r.argv),
    'apply runs the planned argv, in order, through change()',
  ).toEqual(steps.map((s) => s.argv));
  if (steps.length === 0) {
    expect(result.changed, 'an empty plan changes nothing').toEqual([]);
    return;
  }
  const servedBefore = exec.served.length;
  const after = await inPhase(exec, 'after', () => runner.check(ctx));
  const missing = exec.served.slice(servedBefore).filter((s) => s.repeat);
  expect(
    missing.map((s) => s.argv),
    'the scenario has no after-state recording for these reads of the check after apply: record it with the recorder',
  ).toEqual([]);
  const planned = new Set(steps.flatMap((s) => s.updates.map(updateKey)));
  const left = after.updates.filter((u) => planned.has(updateKey(u)));
  expect(
    left.map((u) => `${u.name} ${u.to}`),
    'check after apply still reports what the plan was to update (the engine fails verify with E_VERIFY_FAILED)',
  ).toEqual([]);
}

/** check on an aborted signal rejects with a coded error. */
export async function assertAbortedCheck(runner: Runner<TSchema>, scenario: RunnerScenario): Promise<void> {
  const controller = new AbortController();
  controller.abort();
  const { exec, ctx } = scenarioContext(runner, scenario, false, controller.signal);
  const error = await inPhase(exec, 'check', () => runner.check(ctx)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isUnrotError(error), 'check must reject with a coded error when aborted').toBe(true);
}
