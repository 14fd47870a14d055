import type { EngineEvents } from '../engine-events.js';
import type { Host } from '../host/host.js';
import type { RunReport } from '../report/run-report.js';
import type { Redactor } from '../secrets/redactor.js';
import type { CliSelection } from '../targets/resolve-targets.js';

export const DEFAULT_STATE_DIR = '/var/lib/unrot';
export const DEFAULT_MAX_CONCURRENCY = 2;

/** No notification holds a run longer than this (each sink also has its own deadline). */
export const NOTIFY_DEADLINE_MS = 300_000;

export interface RunOptions {
  configDir: string;
  dryRun: boolean;
  selection?: CliSelection;
  /** Overrides `state_dir` from global.yml. */
  stateDir?: string;
  /** Roots of installed plugins (the CLI takes them from oclif). */
  pluginRoots: readonly string[];
  events?: EngineEvents;
  unrotVersion?: string;
  /**
   * The host every step talks to, on the main thread and (forwarded over each task's port) in
   * the worker threads; e.g. an in-memory host in tests. Default: the real `pct`/`pvesh`
   * adapter, built in each thread from a host spec (see host/host-spec.ts).
   */
  host?: Host;
  /** Run even outside the maintenance window. */
  force?: boolean;
  /** Injected clock for window decisions and pacing (tests). */
  now?: () => Date;
  /** Injected wait for jitter and the rate limit (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Injected randomness for jitter (tests). */
  random?: () => number;
  /** Cap on sending the run's notifications (default NOTIFY_DEADLINE_MS). */
  notifyDeadlineMs?: number;
  /** Worker threads for the pipelines (tests, benchmarks); default threadsFor(max_concurrency). */
  threads?: number;
  /** After a container's deadline, how long before its stuck thread is terminated (tests). */
  abortGraceMs?: number;
  /** The host's 1-minute load average (tests); defaults to os.loadavg()[0]. */
  readLoad?: () => number;
  /**
   * A graceful stop (the CLI aborts it on SIGTERM/SIGINT, with the signal's name as the reason):
   * like the kill switch, in-flight host calls finish, a container that has changed something
   * finishes verify (or rolls back), nothing new starts, the report is written; exit 5.
   */
  stop?: AbortSignal;
}

export interface RunOutcome {
  report: RunReport;
  reportPath: string;
  exitCode: number;
  /** Scrubs the run's secret values: for anything a caller prints beyond the (already scrubbed) report. */
  redactor: Redactor;
}
