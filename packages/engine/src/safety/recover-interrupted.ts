import { type Logger, toUnrotError } from '@unrot/sdk';
import type { Host } from '../host/host.js';
import { setBackupResult } from './backup-index.js';
import { clearJournal, type JournalEntry, readJournals, writeJournal } from './journal.js';
import { restoreBackup } from './restore-backup.js';

export interface RecoveryReport {
  vmid: number;
  /** the interrupted run */
  runId: string;
  /** where it was interrupted */
  step: JournalEntry['step'];
  /** none: nothing had changed; rolled-back: restored to the pre-update backup; resumed: left to this run's check and apply; failed: see error */
  action: 'none' | 'rolled-back' | 'resumed' | 'failed';
  detail: string;
  to?: string;
  error?: string;
}

export interface RecoveryPolicy {
  onInterrupt: 'rollback' | 'verify';
  rollbackTimeoutMs: number;
}

/**
 * Finishes what a killed run left behind, before anything else happens in this run (which
 * holds the run lock, so no other unrot is working on these containers). Rules, by the step
 * the journal recorded:
 * - backup: nothing was changed yet; the journal is cleared (a snapshot that completed stays,
 *   as unrot's own, and falls under retention).
 * - apply / verify: by policy `rollback.on_interrupt` — rollback (default) restores the
 *   pre-update backup and the previous running state; verify leaves the container to this
 *   run, whose check sees what is really installed and finishes the update.
 * - rollback: the rollback is done again.
 * A failed recovery keeps the journal, so the next run tries again, and this run leaves the
 * container alone.
 */
export async function recoverInterrupted(
  stateDir: string,
  host: Host,
  policyFor: (vmid: number) => RecoveryPolicy,
  log: Logger,
  /** Only this container (after its worker was terminated for max_runtime.container). */
  only?: number,
): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  for (const entry of (await readJournals(stateDir)).filter((e) => only === undefined || e.vmid === only)) {
    const base = { vmid: entry.vmid, runId: entry.runId, step: entry.step };
    const policy = policyFor(entry.vmid);
    try {
      if (entry.step === 'backup') {
        await setBackupResult(stateDir, entry.vmid, entry.runId, 'interrupted');
        await clearJournal(stateDir, entry.vmid);
        reports.push({ ...base, action: 'none', detail: 'interrupted while taking the backup; nothing had been changed' });
      } else if (entry.step !== 'rollback' && (policy.onInterrupt === 'verify' || !entry.backup)) {
        await clearJournal(stateDir, entry.vmid);
        reports.push({
          ...base,
          action: 'resumed',
          detail: entry.backup
            ? 'policy on_interrupt is verify: this run checks and finishes the update'
            : 'no backup to restore: this run checks and finishes the update',
        });
      } else {
        const backup = entry.backup;
        if (!backup) throw new Error('journal says rollback but names no backup');
        // Keep saying "rollback" while doing it, so a second crash here is retried too.
        await writeJournal(stateDir, { ...entry, step: 'rollback', pid: process.pid, at: new Date().toISOString() });
        const restored = await restoreBackup(host, entry.vmid, backup, entry.wasRunning, policy.rollbackTimeoutMs);
        await setBackupResult(stateDir, entry.vmid, entry.runId, 'rolled-back');
        await clearJournal(stateDir, entry.vmid);
        reports.push({
          ...base,
          action: 'rolled-back',
          to: restored.to,
          detail: `interrupted during ${entry.step}; restored ${restored.kind} ${restored.to}`,
        });
      }
    } catch (error) {
      const e = toUnrotError(error);
      log.error({ vmid: entry.vmid, err: e.message, code: e.code }, 'recovery failed');
      reports.push({
        ...base,
        action: 'failed',
        detail: `recovery of the interrupted ${entry.step} failed`,
        error: `${e.code}: ${e.message}`,
      });
    }
  }
  return reports;
}
