import { isUnrotError, UnrotError } from '@unrot/sdk';
import { backupError } from '../pct-backup.js';

// pve-guest-common AbstractConfig load_config's die text, the same through the API (HTTP 500) and in a task.
const NOT_FOUND = /Configuration file 'nodes\/[^/']+\/lxc\/(\d+)\.conf' does not exist/;

/** Proxmox's "configuration file does not exist" for this CT, as E_CT_NOT_FOUND; undefined for anything else. */
export function containerNotFound(vmid: number, error: unknown): UnrotError | undefined {
  if (!isUnrotError(error) || error.code !== 'E_API_RESPONSE') return undefined;
  const text = String(error.details['message'] ?? error.message);
  const m = NOT_FOUND.exec(text);
  if (!m || Number(m[1]) !== vmid) return undefined;
  return new UnrotError('E_CT_NOT_FOUND', `container ${vmid} does not exist: ${m[0]}`, { vmid, ...error.details });
}

export interface FailedTask {
  upid: string;
  exitstatus: string;
  /** The task log's last lines. */
  log: string[];
}

/**
 * A failed snapshot/rollback/vzdump/… in PctHost's codes: the task's own error text (its
 * `exitstatus`, the die message) and log decide E_CT_NOT_FOUND, E_SNAPSHOT_UNSUPPORTED,
 * E_CT_LOCKED, E_ROLLBACK_FAILED or E_BACKUP_FAILED; the message carries that text and the log's
 * tail. An error of the HTTP call itself (refused before the task started) is mapped the same
 * way when Proxmox answered it with a message; auth/TLS/network errors keep their codes.
 */
export function apiTaskError(what: string, vmid: number, failure: FailedTask | unknown): unknown {
  let own: string;
  let log: string[] = [];
  let extra: Record<string, unknown>;
  if (isFailedTask(failure)) {
    own = failure.exitstatus;
    log = failure.log.filter((l) => !l.startsWith('TASK ERROR: '));
    extra = { upid: failure.upid, exitstatus: failure.exitstatus, log: failure.log };
  } else if (isUnrotError(failure) && failure.code === 'E_API_RESPONSE' && typeof failure.details['status'] === 'number') {
    const status = failure.details['status'] as number;
    if (status !== 500 && status !== 400) return failure;
    own = String(failure.details['message'] ?? failure.message);
    extra = { ...failure.details };
  } else return failure;
  const m = NOT_FOUND.exec(own);
  if (m && Number(m[1]) === vmid) return new UnrotError('E_CT_NOT_FOUND', `container ${vmid} does not exist: ${m[0]}`, { vmid, ...extra });
  const code = backupError(what, vmid, 255, [...log, own].join('\n'), []).code;
  const tail = log.slice(-5).join(' | ');
  return new UnrotError(code, `${what} of CT ${vmid} failed: ${own.trim()}${tail ? ` (task log: ${tail})` : ''}`, { vmid, ...extra });
}

function isFailedTask(value: unknown): value is FailedTask {
  return typeof value === 'object' && value !== null && 'upid' in value && 'exitstatus' in value && !(value instanceof Error);
}
