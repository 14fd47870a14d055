import type { LifecycleEventName, LifecycleStep } from '@unrot/sdk';

export type FailurePolicy = 'abort-run' | 'skip-container' | 'fail-container' | 'rollback';

export interface StepSpec {
  step: LifecycleStep;
  /** Whether the step runs during `unrot plan` / dry-run. */
  runsInDryRun: boolean;
  /** `run` steps happen once per run, `container` steps once per container, `runner` steps once per runner. */
  scope: 'run' | 'container' | 'runner';
  /** What a failure of this step does. */
  onFailure: FailurePolicy;
  /** Read-only steps may be retried (policy `retries`); changing steps never are. */
  retryable: boolean;
  /** Timeout key in the effective policy, if the step has its own limit. */
  timeout?: 'preflight' | 'detect' | 'check' | 'plan' | 'backup' | 'apply' | 'verify' | 'rollback';
  emits: readonly LifecycleEventName[];
}

/**
 * The lifecycle as data (semantic-release style): the pipeline walks this table, the
 * dry-run rule and the failure matrix are read from it, and tests assert on it.
 */
export const LIFECYCLE: readonly StepSpec[] = [
  { step: 'resolve', runsInDryRun: true, scope: 'run', onFailure: 'abort-run', retryable: false, emits: ['run:start', 'container:skip'] },
  {
    step: 'preflight',
    runsInDryRun: true,
    scope: 'container',
    // Its findings (stopped, locked, vanished) skip the container with a reason; a pre-flight
    // that cannot complete (host error, timeout) fails it.
    onFailure: 'fail-container',
    retryable: false,
    timeout: 'preflight',
    emits: ['step:start', 'step:end', 'container:skip'],
  },
  {
    step: 'detect',
    runsInDryRun: true,
    scope: 'runner',
    onFailure: 'fail-container',
    retryable: false,
    timeout: 'detect',
    emits: ['step:start', 'step:end', 'step:fail', 'exec'],
  },
  {
    step: 'check',
    runsInDryRun: true,
    scope: 'runner',
    onFailure: 'fail-container',
    retryable: true,
    timeout: 'check',
    emits: ['step:start', 'step:end', 'step:fail', 'exec', 'updates:found'],
  },
  {
    step: 'plan',
    runsInDryRun: true,
    scope: 'runner',
    onFailure: 'fail-container',
    retryable: false,
    timeout: 'plan',
    emits: ['step:start', 'step:end', 'step:fail', 'plan:ready'],
  },
  {
    // Only when the plan is not empty and health checks are configured: each probe's schedule
    // runs once before anything changes; the outcomes are the gate's baseline. A failing probe
    // does not fail the step (it is recorded as the baseline); only an abort or a timeout does.
    step: 'baseline',
    runsInDryRun: false,
    scope: 'container',
    onFailure: 'fail-container',
    retryable: false,
    timeout: 'verify',
    emits: ['step:start', 'step:end', 'step:fail', 'exec'],
  },
  {
    // Only when the plan is not empty. Journaled first; its failure means nothing was changed.
    step: 'backup',
    runsInDryRun: false,
    scope: 'container',
    onFailure: 'fail-container',
    retryable: false,
    timeout: 'backup',
    emits: ['step:start', 'step:end', 'step:fail', 'backup:taken', 'container:skip'],
  },
  {
    // Policy `pre_update`: the admin's commands, in order, after the backup and before any runner
    // changes the container (journaled as apply, so a crash here is rolled back). `plan` lists them.
    step: 'pre-update',
    runsInDryRun: false,
    scope: 'container',
    onFailure: 'rollback',
    retryable: false,
    timeout: 'apply',
    emits: ['step:start', 'step:end', 'step:fail', 'exec'],
  },
  {
    step: 'apply',
    runsInDryRun: false,
    scope: 'runner',
    onFailure: 'rollback',
    retryable: false,
    timeout: 'apply',
    emits: ['step:start', 'step:end', 'step:fail', 'exec'],
  },
  {
    // Policy `post_update`: after every runner applied, before restarts and verification.
    step: 'post-update',
    runsInDryRun: false,
    scope: 'container',
    onFailure: 'rollback',
    retryable: false,
    timeout: 'apply',
    emits: ['step:start', 'step:end', 'step:fail', 'exec'],
  },
  {
    // Policy `restart`: units (systemctl restart, then active), processes (signal, start or let the
    // supervisor, a new PID that stays up) and compose projects (up --force-recreate, running). Only when the update changed something (or restart.when: always); `plan` lists the commands.
    step: 'restart',
    runsInDryRun: false,
    scope: 'container',
    onFailure: 'rollback',
    retryable: false,
    timeout: 'verify',
    emits: ['step:start', 'step:end', 'step:fail', 'exec'],
  },
  {
    // The container still runs, every planned update is gone from a fresh check, and every
    // health check passes again (its schedule: warm-up, backoff, thresholds), gated on its baseline.
    step: 'verify',
    runsInDryRun: false,
    scope: 'container',
    onFailure: 'rollback',
    retryable: false,
    timeout: 'verify',
    emits: ['step:start', 'step:end', 'step:fail', 'exec'],
  },
  {
    // Only after a failed critical apply or verification, when a backup exists.
    step: 'rollback',
    runsInDryRun: false,
    scope: 'container',
    onFailure: 'fail-container',
    retryable: false,
    timeout: 'rollback',
    emits: ['step:start', 'step:end', 'step:fail', 'rollback:done'],
  },
  { step: 'report', runsInDryRun: true, scope: 'run', onFailure: 'abort-run', retryable: false, emits: ['container:end', 'run:end'] },
];

export function stepSpec(step: LifecycleStep): StepSpec {
  const spec = LIFECYCLE.find((s) => s.step === step);
  if (!spec) throw new Error(`no lifecycle step ${step}`);
  return spec;
}

/** The steps a run performs, in order, for the given mode. */
export function stepsFor(dryRun: boolean): StepSpec[] {
  return LIFECYCLE.filter((s) => !dryRun || s.runsInDryRun);
}
