import { UnrotError } from '@unrot/sdk';
import type { Host } from '../host/host.js';
import type { BackupRef } from './journal.js';

export interface RestoreOutcome {
  kind: BackupRef['kind'];
  /** snapshot name or archive path */
  to: string;
  /** Running again afterwards, as it was before the update. */
  running: boolean;
  durationMs: number;
}

/**
 * Puts a container back to a backup and returns it to its previous running state.
 * Snapshot: `pct rollback` (which hard-stops it and leaves it stopped), then start when it was
 * running. vzdump: stop, `pct restore --force`, start. Verified by reading the status back.
 */
export async function restoreBackup(
  host: Host,
  vmid: number,
  backup: BackupRef,
  wasRunning: boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RestoreOutcome> {
  const started = Date.now();
  let to: string;
  if (backup.kind === 'snapshot') {
    if (!backup.name) throw new UnrotError('E_NO_BACKUP', `CT ${vmid}: snapshot backup without a name`);
    to = backup.name;
    await host.rollback(vmid, backup.name, wasRunning, timeoutMs, signal);
  } else {
    if (!backup.archive) throw new UnrotError('E_NO_BACKUP', `CT ${vmid}: vzdump backup without an archive`);
    to = backup.archive;
    if ((await host.status(vmid, signal)) === 'running') await host.setRunning(vmid, false, timeoutMs, signal);
    await host.restore(vmid, backup.archive, backup.storage, timeoutMs, signal);
    if (wasRunning) await host.setRunning(vmid, true, timeoutMs, signal);
  }
  const status = await host.status(vmid, signal);
  const running = status === 'running';
  if (wasRunning && !running) {
    throw new UnrotError('E_ROLLBACK_FAILED', `CT ${vmid} was restored to ${to} but is ${status}, not running as before`, { vmid, to });
  }
  return { kind: backup.kind, to, running, durationMs: Date.now() - started };
}
