import type { TSchema } from '@sinclair/typebox';
import type { ContainerInfo, LifecycleEvents, Logger, Runner } from '@unrot/sdk';
import type { EffectiveBackup, EffectiveRollback } from '../config/effective-policy.js';
import type { LoadProbe, TaskHealthCheck, TaskRestart } from '../health/index.js';
import type { Host, ListedReading } from '../host/host.js';
import type { HookCommand } from '../policy/commands-schema.js';

/** One limit per timeout key of the policy (`timeouts.*`), in milliseconds. */
export interface TimeoutsMs {
  preflight: number;
  detect: number;
  check: number;
  plan: number;
  backup: number;
  apply: number;
  verify: number;
  rollback: number;
}

/** Everything a pipeline needs, serialisable so it can cross into a worker thread. */
export interface ContainerTask {
  runId: string;
  dryRun: boolean;
  container: ContainerInfo;
  /** The run's listing of this container (status, config, when): the pre-flight's reads while it is fresh. */
  listed?: ListedReading;
  /** In order: the os runner first, then app runners as listed in the policy. */
  runners: Array<{
    id: string;
    modulePath: string;
    options: unknown;
    /** Policy `runner_limits.<id>.timeouts`: this runner's own step limits, over `timeoutsMs`. */
    timeoutsMs?: Partial<Pick<TimeoutsMs, RunnerLimitStep>>;
    /** Policy `runner_limits.<id>.retries`: over `retries` for this runner's check. */
    retries?: number;
  }>;
  exclusions: string[];
  timeoutsMs: TimeoutsMs;
  retries: number;
  logFile?: string;
  /** Secret values (from secrets_files) scrubbed from this container's log. */
  secrets?: string[];
  /** Checked at each safe point before any change (global.yml kill_switch_file). */
  killSwitchFile?: string;
  /** Journal and backup records live here (see safety/state-files.ts). */
  stateDir: string;
  backup: EffectiveBackup;
  rollback: EffectiveRollback;
  /** Policy `health_checks`: probed before the update (baseline) and after it (gate). */
  healthChecks?: TaskHealthCheck[];
  /** Policy `restart`: units restarted after the update, before the health checks. */
  restart?: TaskRestart;
  /** Global `preflight`: backup storage limit and the package-source check. */
  preflight?: TaskPreflight;
  /** Policy `exclusions.paths`: files hashed right before the runners apply and right after; a change fails the update. */
  guardedPaths?: string[];
  /** Policy `pre_update` / `post_update` (around the runners' apply), `on_rollback` / `on_failure` (after the walk). */
  hooks?: TaskHooks;
  /**
   * Staged rollout, a wave after the canary: per runner id, per package, the versions the canary
   * installed. Any other version a check finds is withheld (rollout/canary-pins.ts).
   */
  canaryPins?: Record<string, Record<string, string[]>>;
  /**
   * Global `concurrency:` keys that have a cap (`runner:<id>` of this task's runners,
   * `storage:<id>`): the pipeline asks the main thread for them before the work they limit.
   */
  capKeys?: string[];
}

/** The runner steps `runner_limits.<id>.timeouts` can set. */
export type RunnerLimitStep = 'detect' | 'check' | 'plan' | 'apply';

export interface TaskPreflight {
  maxStorageUsedPercent: number;
  network: boolean;
  networkTimeoutS: number;
}

export interface TaskHooks {
  preUpdate: HookCommand[];
  postUpdate: HookCommand[];
  /** Run after a completed rollback; a failure is a warning. */
  onRollback?: HookCommand[];
  /** Run for a failed container (after its rollback, if any); a failure is a warning. */
  onFailure?: HookCommand[];
  /** global command_allowlist: a `where: host` hook runs only when its argv[0] is on it. */
  hostAllowlist?: string[];
}

export type Emit = <K extends keyof LifecycleEvents>(name: K, payload: LifecycleEvents[K]) => void;

export interface PipelineDeps {
  host: Host;
  loadRunner: (id: string, modulePath: string) => Promise<Runner<TSchema>>;
  emit: Emit;
  log: Logger;
  signal: AbortSignal;
  /** Loads a probe module by path; defaults to loadProbeModule (as in the worker). */
  loadProbe?: LoadProbe;
  /**
   * Set once the run was asked to stop (SIGTERM/SIGINT): the detail of that request. Checked at the
   * same safe points as the kill switch, so a container that has not changed anything stops there.
   */
  stopRequested?: () => string | undefined;
  /** The fleet-wide caps (global `concurrency:`), held in the main thread; absent: nothing is capped. */
  caps?: CapClient;
}

/** A pipeline's side of the fleet caps (fleet/caps.ts): waits for keys, gives them back. */
export interface CapClient {
  /** Resolves once every key is granted (how long it waited); rejects when the pipeline is aborted meanwhile. */
  acquire(keys: readonly string[], signal: AbortSignal): Promise<{ waitedMs: number }>;
  release(keys: readonly string[]): void;
}
