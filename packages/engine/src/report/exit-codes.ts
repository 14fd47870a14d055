// No imports: the CLI loads this module alone, so --help and --version stay fast.

/** Documented in docs/exit-codes.md; scripts and systemd OnFailure= rely on these. */
export const EXIT_CODES = {
  /** Every selected container is updated, had nothing to do, or was skipped for a stated reason. */
  OK: 0,
  /** At least one container failed (see the report for step and code). */
  CONTAINER_FAILED: 1,
  /** Configuration or command-line usage is invalid; nothing was executed. */
  CONFIG_ERROR: 2,
  /** The host could not be queried (pct/pvesh missing or failing); no container was touched. */
  HOST_ERROR: 3,
  /** Another `unrot run` (or rollback/prune) holds the host lock; nothing was touched. */
  RUN_LOCKED: 4,
  /** Nothing failed, but a stop (SIGTERM/SIGINT, the kill switch), max_runtime.run, backpressure (host load, storage use) or a halted staged rollout cut the run short. */
  CUT_SHORT: 5,
  /**
   * Nothing failed, but a container needs an operator: it was skipped for a reason that does not go
   * away by itself (package source unreachable, a Proxmox lock held, storage full, vanished, an
   * interrupted update unrot could not finish), or recovery found a lock left by unrot's own
   * interrupted step. 1 wins over 6; 6 wins over 5.
   */
  NEEDS_ATTENTION: 6,
  /** A bug or an unexpected failure inside unrot itself. */
  INTERNAL_ERROR: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Containers not started for these reasons make the run "cut short" (exit 5). */
export const CUT_SHORT_REASONS: ReadonlySet<string> = new Set(['kill-switch', 'signal', 'max-runtime', 'host-load', 'rollout-halted']);

/**
 * Skips that need an operator (exit 6, severity at least degraded): they repeat every run until
 * someone acts. Every other skip is benign: not selected, denied, disabled, stopped, a template,
 * no runner applies, the maintenance window, or cut short (above).
 */
export const ATTENTION_REASONS: ReadonlySet<string> = new Set([
  'unreachable',
  'locked',
  'backup-unavailable',
  'storage-full',
  'vanished',
  'recovery-failed',
  'node-offline',
]);

/** How a skip is classed in the report (`skipClass`): benign, cut short (exit 5) or needs attention (exit 6). */
export type SkipClass = 'benign' | 'cut-short' | 'attention';

export function skipClassOf(skipReason: string | undefined): SkipClass {
  if (isCutShort(skipReason)) return 'cut-short';
  return skipReason !== undefined && ATTENTION_REASONS.has(skipReason) ? 'attention' : 'benign';
}

export function needsAttention(skipReason: string | undefined): boolean {
  return skipClassOf(skipReason) === 'attention';
}

/** Errors that mean the configuration or the command line is wrong (exit 2). */
const CONFIG_CODES: ReadonlySet<string> = new Set(['E_CONFIG', 'E_USAGE', 'E_PLUGIN_LOAD', 'E_PLUGIN_INCOMPATIBLE']);

/** Errors of an operator command (rollback, snapshots) about the one container it was asked to act on (exit 1). */
const CONTAINER_CODES: ReadonlySet<string> = new Set(['E_NO_BACKUP', 'E_ROLLBACK_FAILED', 'E_CT_NOT_FOUND']);

/** What a finished run's exit code is decided from. */
export interface RunVerdict {
  containers: ReadonlyArray<{ outcome: string; skipReason?: string }>;
  /** Interrupted updates of earlier runs that could not be finished. */
  unrecovered: number;
  /** The run was asked to stop (SIGTERM/SIGINT): cut short even when every started container finished. */
  stopped?: boolean;
  /** Recoveries that need an operator without having failed (a lock left by unrot's own interrupted step). */
  attention?: number;
}

/** A run or command that ended in an error instead of a verdict. */
export interface ErrorVerdict {
  error: unknown;
}

/** Marks an error as "the host could not be queried" (exit 3), e.g. `pvesh` failing to list the fleet. */
export function asHostError<E extends object>(error: E): E & { hostError: true } {
  return Object.assign(error, { hostError: true as const });
}

export function isCutShort(skipReason: string | undefined): boolean {
  return skipReason !== undefined && CUT_SHORT_REASONS.has(skipReason);
}

/**
 * The one place an exit code is decided: for a run, from its container outcomes (a failure or
 * rollback, or an interrupted update left unrecovered → 1; else a skip or recovery that needs an
 * operator → 6; else containers kept from starting by a stop or backpressure → 5; else 0); for an error, from its code (configuration → 2,
 * lock held → 4, host not queryable → 3, an operator command's container → 1, anything else → 70).
 */
export function exitCodeFor(input: RunVerdict | ErrorVerdict): ExitCode {
  if ('error' in input) return errorExitCode(input.error);
  const { containers, unrecovered } = input;
  if (unrecovered > 0 || containers.some((c) => c.outcome === 'failed' || c.outcome === 'rolled-back')) return EXIT_CODES.CONTAINER_FAILED;
  if ((input.attention ?? 0) > 0 || containers.some((c) => needsAttention(c.skipReason))) return EXIT_CODES.NEEDS_ATTENTION;
  if (input.stopped || containers.some((c) => isCutShort(c.skipReason))) return EXIT_CODES.CUT_SHORT;
  return EXIT_CODES.OK;
}

function errorExitCode(error: unknown): ExitCode {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return EXIT_CODES.INTERNAL_ERROR;
  if (CONFIG_CODES.has(code)) return EXIT_CODES.CONFIG_ERROR;
  if (code === 'E_RUN_LOCKED') return EXIT_CODES.RUN_LOCKED;
  // A state file unrot would act on was quarantined (e.g. rollout-state.json): an operator should look; nothing was touched.
  if (code === 'E_STATE_INVALID') return EXIT_CODES.NEEDS_ATTENTION;
  if ((error as { hostError?: unknown }).hostError === true) return EXIT_CODES.HOST_ERROR;
  if (CONTAINER_CODES.has(code)) return EXIT_CODES.CONTAINER_FAILED;
  return EXIT_CODES.INTERNAL_ERROR;
}
