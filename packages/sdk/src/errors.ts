/**
 * Every error unrot raises carries a stable code, so reports, exit codes and
 * the failure matrix can refer to it without parsing messages.
 */
export const ERROR_CODES = {
  E_CONFIG: 'configuration is invalid',
  E_USAGE: 'command-line usage is invalid',
  E_CT_NOT_FOUND: 'container does not exist (any more)',
  E_CT_NOT_RUNNING: 'container is not running',
  E_CT_LOCKED: 'container is locked by Proxmox',
  E_EXEC_TIMEOUT: 'command exceeded its timeout',
  E_EXEC_ABORTED: 'command was aborted',
  E_EXEC_NOT_FOUND: 'command not found in the container (exit 127)',
  E_EXEC_NOT_EXECUTABLE: 'command not executable in the container (exit 126)',
  E_EXEC_FAILED: 'command exited non-zero',
  E_EXEC_SPAWN: 'the host tool could not be started',
  E_HOST_OUTPUT: 'a host tool printed output unrot cannot parse',
  E_API_AUTH: 'the Proxmox API refused the API token (401: wrong, expired or unknown token)',
  E_API_FORBIDDEN: 'the Proxmox API token lacks a privilege for this call (403)',
  E_API_UNREACHABLE: 'the Proxmox API could not be reached (connection refused, timed out, reset)',
  E_API_TLS: "the Proxmox API's TLS certificate does not match the configured CA or fingerprint",
  E_API_RESPONSE: 'the Proxmox API answered with a status or shape unrot does not expect',
  E_NODE_UNREACHABLE:
    'another cluster node could not be reached (ssh exited 255: refused, timed out, key refused, connection lost; or the API answered 595)',
  E_NODE_HOST_KEY: "another cluster node's SSH host key is unknown or does not match the cluster's known_hosts",
  E_NO_QUORUM: 'the cluster has lost quorum: /etc/pve is read-only, no run may change anything',
  E_RUNNER_NOT_APPLICABLE: 'the configured runner does not apply to this container',
  E_RUNNER_PARSE: 'a runner could not parse a package manager output',
  E_RUNNER_INVALID_OUTPUT: 'a runner returned data that fails its schema',
  E_RUNNER_UNSAFE_NAME: 'a package name would be unsafe to pass on',
  E_PLUGIN_LOAD: 'a plugin could not be loaded',
  E_PLUGIN_INCOMPATIBLE: 'a plugin targets another SDK version',
  E_SNAPSHOT_UNSUPPORTED: 'the container storage cannot take snapshots (snapshot feature is not available)',
  E_BACKUP_FAILED: 'the pre-update snapshot or vzdump backup failed',
  E_ROLLBACK_FAILED: 'restoring the pre-update state failed',
  E_NO_BACKUP: 'no backup of the tool is available to restore',
  E_RUN_LOCKED: 'another unrot run holds the host lock',
  E_VERIFY_FAILED: 'post-update verification failed',
  E_HEALTH_FAILED: 'a health check that passed before the update fails after it',
  E_HOOK_FAILED: 'a hook (pre_update, post_update, on_rollback, on_failure) exited non-zero or could not run',
  E_RESTART_FAILED: 'a service restarted after the update did not become active',
  E_PATH_CHANGED: 'the update changed a file policy exclusions.paths guards',
  E_STEP_TIMEOUT: 'a lifecycle step exceeded its timeout',
  E_WORKER_CRASHED: 'the worker running a container pipeline died',
  E_REPLAY_UNKNOWN: 'the replay exec has no recording for a command',
  E_DRY_RUN_VIOLATION: 'a changing command was attempted where none may run',
  E_NOTIFY_FAILED: 'a notification could not be delivered',
  E_NOTIFY_TIMEOUT: 'a notification sink did not answer in time',
  E_STATE_INVALID: 'a state file unrot acts on is not in its format (it was quarantined, not trusted)',
  E_INTERNAL: 'internal error',
} as const;

/** One of ERROR_CODES' keys; reports and exit codes are decided from it. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The error every plugin throws: a stable code, a message for people, details for the report (never secrets). */
export class UnrotError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrotError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True for an UnrotError, also one that crossed a worker thread as a plain object. */
export function isUnrotError(value: unknown): value is UnrotError {
  return (
    value instanceof UnrotError ||
    (typeof value === 'object' && value !== null && 'code' in value && (value as { name?: unknown }).name === 'UnrotError')
  );
}

/** Turns anything thrown into a coded error, keeping a code that is already there. */
export function toUnrotError(value: unknown, fallback: ErrorCode = 'E_INTERNAL'): UnrotError {
  if (value instanceof UnrotError) return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof v.code === 'string' && v.code in ERROR_CODES) {
      return new UnrotError(v.code as ErrorCode, String(v.message ?? v.code), (v.details as Record<string, unknown>) ?? {});
    }
    if (value instanceof Error) return new UnrotError(fallback, value.message, {}, { cause: value });
  }
  return new UnrotError(fallback, String(value));
}
