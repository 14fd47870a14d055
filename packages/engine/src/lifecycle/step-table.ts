import type { LifecycleEventName, LifecycleStep } from '@unrot/sdk';
import type { JournalStep } from '../safety/journal.js';
import type { ContainerTask, TimeoutsMs } from './container-task.js';

/** What a failure of a step does: the run stops, the container fails, or the safety net rolls it back. */
export type FailurePolicy = 'abort-run' | 'fail-container' | 'rollback';

/**
 * What one row runs over: once per run (`runUnrot`), once per container, once per runner
 * (consecutive runner rows form a block walked runner by runner), or over the container's
 * health-check probes.
 */
export type StepScope = 'run' | 'container' | 'runner' | 'probe';

/**
 * Names a row: the lifecycle step it is, with `sources` for the per-runner pre-flight and
 * `paths-before` / `paths-after` for the `exclusions.paths` guard around the runners' apply.
 */
export type RowId = LifecycleStep | 'sources' | 'paths-before' | 'paths-after';

/** What the walker knows when it decides whether a row runs. */
export interface StepView {
  task: ContainerTask;
  dryRun: boolean;
  /** Runners whose plan is not empty. */
  pending: number;
  /** Some runner's apply changed something. */
  changed: boolean;
  /** A backup was taken (there is something to roll back to). */
  backupTaken: boolean;
  /** The runner a runner-scope row runs for. */
  runner?: { id: string; hasSources: boolean /** steps in its plan */; steps: number };
  /** The failure that sent the walk to the rollback rows. */
  failure?: { runner?: string | undefined };
}

/**
 * When a row runs. `task` is decided by the task alone (also used for the container's
 * deadline); `state` by what earlier rows found. Both must hold; a missing one holds.
 */
export interface StepCondition {
  /** For docs/design.md. */
  text: string;
  task?: (task: ContainerTask) => boolean;
  state?: (view: StepView) => boolean;
}

export interface StepSpec {
  id: RowId;
  step: LifecycleStep;
  scope: StepScope;
  /** Whether the step runs during `unrot plan` / dry-run. */
  runsInDryRun: boolean;
  /** Dry-run: the step does not run, but the plan lists what it would do (backup, hooks, commands, restarts). */
  inPlan?: boolean;
  /** Read-only steps are retried (policy `retries`, transient errors only); changing steps never are. */
  retryable: boolean;
  /** Timeout key in the effective policy; the step is aborted past it. */
  timeout?: keyof TimeoutsMs;
  /** What a failure of this step does. */
  onFailure: FailurePolicy;
  /** `normal` rows run while nothing failed; `on-failure` rows only after a failure whose policy is rollback. */
  phase: 'normal' | 'on-failure';
  /** The journal records this step (atomically) before the row runs. */
  journal?: JournalStep;
  /** A safe point: the kill switch is checked before the row, as long as nothing was journaled. */
  safePoint?: boolean;
  when?: StepCondition;
  /** The events the step emits, `step:*` and `exec` included; the walker refuses any other. */
  emits: readonly LifecycleEventName[];
}

const pending: StepCondition['state'] = (v) => v.pending > 0;
const STEP = ['step:start', 'step:end', 'step:fail'] as const;

/**
 * The lifecycle as data (semantic-release style). `walkContainer` (walk-lifecycle.ts) executes
 * the container rows in this order, applying each row's condition, dry-run rule, timeout,
 * retries, journal, kill-switch safe point and failure policy; the step bodies
 * (container-steps.ts) only do the work. The container's deadline and docs/design.md are
 * derived from this table, and tests assert the executed order against it.
 */
export const LIFECYCLE: readonly StepSpec[] = [
  {
    id: 'resolve',
    step: 'resolve',
    scope: 'run',
    runsInDryRun: true,
    retryable: false,
    onFailure: 'abort-run',
    phase: 'normal',
    emits: ['run:start', 'container:skip'],
  },
  {
    // Its findings (stopped, locked, vanished, storage full, no runners) skip the container with a
    // reason; a pre-flight that cannot complete (host error, timeout) fails it.
    id: 'preflight',
    step: 'preflight',
    scope: 'container',
    runsInDryRun: true,
    retryable: false,
    timeout: 'preflight',
    onFailure: 'fail-container',
    phase: 'normal',
    safePoint: true,
    emits: [...STEP, 'container:skip'],
  },
  {
    // The runner block (detect … plan) is walked runner by runner; not applicable fails the container.
    id: 'detect',
    step: 'detect',
    scope: 'runner',
    runsInDryRun: true,
    retryable: false,
    timeout: 'detect',
    onFailure: 'fail-container',
    phase: 'normal',
    safePoint: true,
    // container:skip: the container vanished or stopped since the listing (the pre-flight may have taken it).
    emits: [...STEP, 'exec', 'container:skip'],
  },
  {
    // The runner's package sources must answer from inside the container before check refreshes anything.
    id: 'sources',
    step: 'preflight',
    scope: 'runner',
    runsInDryRun: true,
    retryable: false,
    timeout: 'preflight',
    onFailure: 'fail-container',
    phase: 'normal',
    when: {
      text: '`preflight.network` and the runner lists its sources',
      task: (t) => t.preflight?.network === true,
      state: (v) => v.runner?.hasSources === true,
    },
    emits: [...STEP, 'exec', 'container:skip'],
  },
  {
    id: 'check',
    step: 'check',
    scope: 'runner',
    runsInDryRun: true,
    retryable: true,
    timeout: 'check',
    onFailure: 'fail-container',
    phase: 'normal',
    emits: [...STEP, 'exec', 'updates:found'],
  },
  {
    id: 'plan',
    step: 'plan',
    scope: 'runner',
    runsInDryRun: true,
    retryable: false,
    timeout: 'plan',
    onFailure: 'fail-container',
    phase: 'normal',
    emits: [...STEP, 'plan:ready'],
  },
  {
    // Each probe's schedule runs once before anything changes; the outcomes are the gate's baseline.
    // A failing probe does not fail the step (it is the baseline); only an abort or a timeout does.
    id: 'baseline',
    step: 'baseline',
    scope: 'probe',
    runsInDryRun: false,
    retryable: false,
    timeout: 'verify',
    onFailure: 'fail-container',
    phase: 'normal',
    safePoint: true,
    when: { text: 'plan not empty, health checks configured', task: (t) => (t.healthChecks?.length ?? 0) > 0, state: pending },
    emits: [...STEP, 'exec'],
  },
  {
    // Journaled first; its failure means nothing was changed. In a dry-run: the planned snapshot.
    id: 'backup',
    step: 'backup',
    scope: 'container',
    runsInDryRun: false,
    inPlan: true,
    retryable: false,
    timeout: 'backup',
    onFailure: 'fail-container',
    phase: 'normal',
    journal: 'backup',
    safePoint: true,
    when: { text: 'plan not empty, `backup.mode` ≠ none', task: (t) => t.backup.mode !== 'none', state: pending },
    emits: [...STEP, 'backup:taken', 'container:skip'],
  },
  {
    // Policy `pre_update`: after the backup, before any runner changes the container. Exit 75 from
    // a hook vetoes the update: the container is skipped (reason `vetoed`), its snapshot deleted.
    id: 'pre-update',
    step: 'pre-update',
    scope: 'container',
    runsInDryRun: false,
    inPlan: true,
    retryable: false,
    timeout: 'apply',
    onFailure: 'rollback',
    phase: 'normal',
    journal: 'apply',
    safePoint: true,
    when: { text: 'plan not empty, `pre_update` not empty', task: (t) => (t.hooks?.preUpdate.length ?? 0) > 0, state: pending },
    emits: [...STEP, 'exec', 'container:skip'],
  },
  {
    // Policy `exclusions.paths`: each guarded file's state (sha256, absent, …) in one read-only exec,
    // right before the runners change anything; a plan lists the paths. Part of apply: its
    // failure (a path that cannot be hashed) rolls back what the pre_update hooks did.
    id: 'paths-before',
    step: 'apply',
    scope: 'container',
    runsInDryRun: false,
    inPlan: true,
    retryable: false,
    timeout: 'verify',
    onFailure: 'rollback',
    phase: 'normal',
    when: { text: 'plan not empty, `exclusions.paths` not empty', task: (t) => (t.guardedPaths?.length ?? 0) > 0, state: pending },
    emits: [...STEP, 'exec'],
  },
  {
    // Runner by runner (the pending ones, in policy order); the first failure stops the rest.
    id: 'apply',
    step: 'apply',
    scope: 'runner',
    runsInDryRun: false,
    inPlan: true,
    retryable: false,
    timeout: 'apply',
    onFailure: 'rollback',
    phase: 'normal',
    journal: 'apply',
    safePoint: true,
    when: { text: "the runner's plan is not empty", state: (v) => (v.runner?.steps ?? 0) > 0 },
    emits: [...STEP, 'exec'],
  },
  {
    // Policy `exclusions.paths`: the same exec once every runner applied; any state that differs
    // from paths-before fails the update (E_PATH_CHANGED) before hooks, restarts or verification.
    id: 'paths-after',
    step: 'apply',
    scope: 'container',
    runsInDryRun: false,
    retryable: false,
    timeout: 'verify',
    onFailure: 'rollback',
    phase: 'normal',
    when: { text: 'plan not empty, `exclusions.paths` not empty', task: (t) => (t.guardedPaths?.length ?? 0) > 0, state: pending },
    emits: [...STEP, 'exec'],
  },
  {
    // Policy `post_update`: after every runner applied, before restarts and verification.
    id: 'post-update',
    step: 'post-update',
    scope: 'container',
    runsInDryRun: false,
    inPlan: true,
    retryable: false,
    timeout: 'apply',
    onFailure: 'rollback',
    phase: 'normal',
    when: { text: 'plan not empty, `post_update` not empty', task: (t) => (t.hooks?.postUpdate.length ?? 0) > 0, state: pending },
    emits: [...STEP, 'exec'],
  },
  {
    // Policy `restart`: units, processes, compose projects; `plan` lists the commands.
    id: 'restart',
    step: 'restart',
    scope: 'container',
    runsInDryRun: false,
    inPlan: true,
    retryable: false,
    timeout: 'verify',
    onFailure: 'rollback',
    phase: 'normal',
    when: {
      text: 'plan not empty, `restart` configured, the update changed something (or `restart.when: always`)',
      task: (t) => t.restart !== undefined,
      state: (v) => v.pending > 0 && (v.dryRun || v.task.restart?.when === 'always' || v.changed),
    },
    emits: [...STEP, 'exec'],
  },
  {
    // Still running, every planned update gone from a fresh check, every health check passes
    // again (gated on its baseline).
    id: 'verify',
    step: 'verify',
    scope: 'container',
    runsInDryRun: false,
    retryable: false,
    timeout: 'verify',
    onFailure: 'rollback',
    phase: 'normal',
    journal: 'verify',
    when: { text: 'plan not empty', state: pending },
    emits: [...STEP, 'exec'],
  },
  {
    // The journal keeps saying "rollback" when it fails: the next run tries again.
    id: 'rollback',
    step: 'rollback',
    scope: 'container',
    runsInDryRun: false,
    retryable: false,
    timeout: 'rollback',
    onFailure: 'fail-container',
    phase: 'on-failure',
    journal: 'rollback',
    when: {
      text: 'a backup exists, `rollback.on_failure`, the failing runner is critical (`rollback.critical`, default all)',
      task: (t) => t.backup.mode !== 'none' && t.rollback.onFailure,
      state: (v) =>
        v.backupTaken &&
        v.task.rollback.onFailure &&
        (v.failure?.runner === undefined || v.task.rollback.critical === undefined || v.task.rollback.critical.includes(v.failure.runner)),
    },
    emits: [...STEP, 'rollback:done'],
  },
  {
    id: 'report',
    step: 'report',
    scope: 'run',
    runsInDryRun: true,
    retryable: false,
    onFailure: 'abort-run',
    phase: 'normal',
    emits: ['container:end', 'run:end'],
  },
];

/** The rows one container's pipeline walks, in order. */
export const CONTAINER_ROWS: readonly StepSpec[] = LIFECYCLE.filter((s) => s.scope !== 'run');

/** The first row of a lifecycle step. */
export function stepSpec(step: LifecycleStep): StepSpec {
  const spec = LIFECYCLE.find((s) => s.step === step);
  if (!spec) throw new Error(`no lifecycle step ${step}`);
  return spec;
}

/** Whether a row can run at all for this task (its task condition holds). */
export function rowApplies(row: StepSpec, task: ContainerTask): boolean {
  return row.when?.task?.(task) ?? true;
}

/** A row's time limit, for a runner row the runner's own (`runner_limits.<id>.timeouts`) when it has one. */
export function rowTimeoutMs(task: ContainerTask, row: StepSpec, runnerId?: string): number {
  const key = row.timeout ?? 'apply';
  const own = runnerId === undefined ? undefined : task.runners.find((r) => r.id === runnerId)?.timeoutsMs;
  return (own as Partial<TimeoutsMs> | undefined)?.[key] ?? task.timeoutsMs[key];
}

/** A row's attempts: retryable rows get `retries` more, for a runner its own (`runner_limits.<id>.retries`). */
export function rowAttempts(task: ContainerTask, row: StepSpec, runnerId?: string): number {
  if (!row.retryable) return 1;
  const own = runnerId === undefined ? undefined : task.runners.find((r) => r.id === runnerId)?.retries;
  return (own ?? task.retries) + 1;
}

// Past the sum of its step limits, a pipeline is stuck in something no step timeout caught.
const DEADLINE_MARGIN_MS = 30_000;

/**
 * The longest one container's pipeline may take: every row that can run for this task, at its
 * timeout, times its attempts, once per runner for runner rows, plus a margin. The worker thread
 * is stopped past it (E_STEP_TIMEOUT).
 */
export function containerDeadlineMs(task: ContainerTask): number {
  const runners = Math.max(1, task.runners.length);
  let total = DEADLINE_MARGIN_MS;
  for (const row of CONTAINER_ROWS) {
    if (!row.timeout || !rowApplies(row, task)) continue;
    if (row.scope === 'runner' && task.runners.length > 0) {
      for (const r of task.runners) total += rowTimeoutMs(task, row, r.id) * rowAttempts(task, row, r.id);
      continue;
    }
    total += task.timeoutsMs[row.timeout] * rowAttempts(task, row) * (row.scope === 'runner' ? runners : 1);
  }
  // on_rollback / on_failure run after the walk (container-pipeline.ts), each hook under its own timeout.
  for (const hook of [...(task.hooks?.onRollback ?? []), ...(task.hooks?.onFailure ?? [])]) {
    total += hook.timeout ? hook.timeout * 1000 : task.timeoutsMs.apply;
  }
  return total;
}
