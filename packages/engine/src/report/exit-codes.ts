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
  /** Nothing failed, but the kill switch, max_runtime.run or backpressure (host load, storage use) kept containers from starting. */
  CUT_SHORT: 5,
  /** A bug or an unexpected failure inside unrot itself. */
  INTERNAL_ERROR: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
