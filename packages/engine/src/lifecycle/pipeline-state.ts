import type { TSchema } from '@sinclair/typebox';
import type { CheckResult, LifecycleEvents, Logger, PlanStep, Runner, RunnerContext, SkipReason } from '@unrot/sdk';
import type { ContainerHealth } from '../health/index.js';
import type { Host } from '../host/host.js';
import type { BackupRef, JournalStep } from '../safety/journal.js';
import type { ContainerReport, RunnerReport } from './container-result.js';
import type { ContainerTask } from './container-task.js';
import type { StepError } from './step-error.js';
import type { RowId } from './step-table.js';

type Entry<K extends keyof ContainerReport> = NonNullable<ContainerReport[K]>;

/** One runner's results so far: its report entry, and the check and plan handed on to later steps. */
export interface RunnerState {
  readonly id: string;
  readonly report: RunnerReport;
  readonly checked?: CheckResult;
  readonly steps: readonly PlanStep[];
}

/** A row the walker started, in order (what the "executed order" tests compare with the table). */
export interface WalkedRow {
  id: RowId;
  runner?: string;
}

/**
 * Everything a container's walk has found so far. The walker replaces it (never mutates it)
 * with each step's result; the ContainerReport is built from the final one.
 */
export interface PipelineState {
  readonly walked: readonly WalkedRow[];
  readonly runners: readonly RunnerState[];
  readonly preflight?: Entry<'preflight'>;
  /** Waits for the fleet caps (global `concurrency:`). */
  readonly capWaits?: Entry<'capWaits'>;
  readonly rootfsStorage?: string;
  readonly address?: string;
  readonly backup?: BackupRef;
  readonly backupReport?: Entry<'backup'>;
  readonly hooks?: Entry<'hooks'>;
  readonly restart?: Entry<'restart'>;
  readonly guardedPaths?: Entry<'guardedPaths'>;
  readonly rollback?: Entry<'rollback'>;
  /** Dry-run: the changing commands `run` would execute. */
  readonly plannedChanges: number;
  /** The step the journal last recorded; set once the container is (about to be) changed. */
  readonly journal?: JournalStep;
  readonly skip?: { reason: SkipReason; detail: string };
  /** The first failure; with policy rollback the walk goes on to the on-failure rows. */
  readonly failure?: StepError;
  readonly rolledBack?: boolean;
  /** The rollback step itself failed (the journal is kept for the next run). */
  readonly rollbackFailure?: StepError;
}

export const INITIAL_STATE: PipelineState = { walked: [], runners: [], plannedChanges: 0 };

/** An event a step hands back; the walker emits it after the step ends, if the table lists it for the row. */
export type StepEvent = { [K in keyof LifecycleEvents]: { name: K; payload: LifecycleEvents[K] } }[keyof LifecycleEvents];

/** What a step body returns: plain data for the walker to merge, and what it found. */
export interface StepResult {
  state?: Partial<Omit<PipelineState, 'walked' | 'runners'>>;
  /** For runner rows: changes to this runner's state. */
  runner?: { report?: Partial<RunnerReport>; checked?: CheckResult; steps?: readonly PlanStep[] };
  events?: readonly StepEvent[];
  /** A finding that skips the container (emitted as container:skip after the step ended). */
  skip?: { reason: SkipReason; detail: string };
  /** A finding that fails the container after the step ended (e.g. a runner that does not apply). */
  fail?: StepError;
  /** The step failed after producing part of its result. */
  failure?: unknown;
}

/** What the pipeline gives every step body: the host, the log, and the only exec a runner gets. */
export interface StepEnv {
  host: Host;
  log: Logger;
  /** The runner context for `label` (a runner id, `hook`, `restart`, `probe:NAME`); change() only where allowed. */
  context(label: string, options: unknown, signal: AbortSignal, allowChange?: boolean): RunnerContext<unknown>;
  /** A loaded runner module. */
  runner(id: string): Runner<TSchema>;
  /** The container's health checks (created on first use), or undefined when none are configured. */
  health(address: string | undefined): ContainerHealth | undefined;
}

export interface StepInput {
  task: ContainerTask;
  state: PipelineState;
  /** The runner a runner-scope row runs for. */
  runner?: RunnerState;
  signal: AbortSignal;
  env: StepEnv;
  /**
   * Publishes a working copy of the step's own report entry before it starts changing things,
   * so a step cut off by its timeout still reports what it did (hooks, restarts).
   */
  publish(patch: StepResult['state']): void;
}

/** One step's work, keyed by row id in container-steps.ts. */
export interface StepBody {
  run(input: StepInput): Promise<StepResult>;
  /** Dry-run, for a row that does not run in dry-run: what it would do, for the plan. */
  plan?(input: Omit<StepInput, 'signal' | 'publish'>): StepResult;
  /** The row's condition did not hold (e.g. restart.when: changed and nothing changed). */
  otherwise?(input: Omit<StepInput, 'signal' | 'publish'>): StepResult;
  /** The step failed: a finding that skips instead, or what to record about the failure. */
  onError?(error: StepError, input: Omit<StepInput, 'signal' | 'publish'>): StepResult | undefined;
}

export type StepBodies = Partial<Record<RowId, StepBody>>;
