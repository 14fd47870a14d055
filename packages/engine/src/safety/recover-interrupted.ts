import { type Logger, toUnrotError } from '@unrot/sdk';
import type { Host } from '../host/host.js';
import { readBackupsChecked, setBackupResult } from './backup-index.js';
import { type LockRemedy, lockRemedy } from './interrupted-lock.js';
import { type BackupRef, clearJournal, type JournalEntry, readJournalsChecked, writeJournal } from './journal.js';
import { checkOwnArchive, dumpDirs } from './own-archives.js';
import { isSnapshotOfRun } from './own-snapshots.js';
import { describeQuarantine, type QuarantineEvent, quarantineFile } from './quarantine.js';
import { restoreBackup } from './restore-backup.js';
import { acquireContainerLock } from './run-lock.js';
import { statePaths } from './state-files.js';
import { assertStateDirTrustedIfExists } from './trusted-dir.js';

export interface RecoveryReport {
  vmid: number;
  /** the interrupted run */
  runId: string;
  /** where it was interrupted */
  step: JournalEntry['step'] | 'unknown';
  /**
   * none: nothing had changed; rolled-back: restored to the pre-update backup; resumed: left to
   * this run's check and apply; failed: see error, and this run leaves the container alone.
   * A journal unrot does not trust (malformed, or naming a backup that is not unrot's own in
   * Proxmox's listing) is moved to quarantine/ and reported as failed with an error starting
   * QUARANTINED: nothing is done to the container this run; the next run treats it as clean.
   */
  action: 'none' | 'rolled-back' | 'resumed' | 'failed';
  detail: string;
  to?: string;
  error?: string;
  /** The Proxmox lock the container still carries (`pct config` lock), when recovery found one. */
  lock?: string;
  /** An operator must act (a lock left by unrot's own interrupted step): the run exits 6 at least. */
  attention?: boolean;
  /** What to do, command by command (docs/runbooks/rollback.md). unrot never unlocks by itself. */
  remedy?: string[];
}

/** Prefix of RecoveryReport.error for a journal moved to quarantine/. */
export const QUARANTINED = 'QUARANTINED';

function quarantineReport(q: QuarantineEvent, base: Pick<RecoveryReport, 'vmid' | 'runId' | 'step'>): RecoveryReport {
  return {
    ...base,
    action: 'failed',
    detail: `${describeQuarantine(q)}; nothing was done to the container`,
    error: `${QUARANTINED}: ${q.from}: ${q.reason} (now ${q.to})`,
  };
}

/** A container still locked by an interrupted step: named, with the remedy; the journal is kept and nothing is done to it. */
function lockedReport(
  entry: JournalEntry,
  base: Pick<RecoveryReport, 'vmid' | 'runId' | 'step'>,
  action: 'none' | 'failed',
  remedy: LockRemedy,
): RecoveryReport {
  return {
    ...base,
    action,
    detail: `${remedy.summary}; unrot does not unlock it and leaves the container alone until the lock is gone`,
    ...(action === 'failed' ? { error: `E_CT_LOCKED: ${remedy.summary}; the interrupted ${entry.step} was not finished` } : {}),
    lock: remedy.lock,
    attention: true,
    remedy: remedy.steps,
  };
}

export interface RecoveryPolicy {
  onInterrupt: 'rollback' | 'verify';
  rollbackTimeoutMs: number;
  /** The policy's backup.vzdump_storage: a recorded archive must be in its dump directory (default: any backup storage's). */
  vzdumpStorage?: string;
}

export interface RecoveryOptions {
  /** This run's id, written into the per-container locks it takes. */
  runId?: string;
  /** Lock directory (default hostLockPaths()). */
  lockDir?: string;
  /** storage.cfg to read dump directories from (default pveStorageCfgPath()). */
  storageCfg?: string;
}

/** Why the backup a journal names is not one to restore, or undefined when unrot recorded it and Proxmox still lists it as unrot's. */
async function untrustedBackup(
  stateDir: string,
  host: Host,
  entry: JournalEntry,
  backup: BackupRef,
  policy: RecoveryPolicy,
  options: RecoveryOptions,
): Promise<string | undefined> {
  const { records } = await readBackupsChecked(stateDir, entry.vmid);
  const recorded = records.some(
    (r) =>
      r.runId === entry.runId &&
      r.kind === backup.kind &&
      (r.name ?? '') === (backup.name ?? '') &&
      (r.archive ?? '') === (backup.archive ?? ''),
  );
  if (!recorded) return `unrot has no record of taking ${backup.name ?? backup.archive} in run ${entry.runId}`;
  if (backup.kind === 'snapshot') {
    const tree = await host.listSnapshots(entry.vmid);
    if (!backup.name || !isSnapshotOfRun(tree, backup.name, entry.runId))
      return `pct listsnapshot ${entry.vmid} shows no snapshot ${backup.name} taken by unrot run ${entry.runId}`;
    return undefined;
  }
  const dirs = await dumpDirs({
    ...(policy.vzdumpStorage ? { storage: policy.vzdumpStorage } : {}),
    ...(options.storageCfg ? { storageCfg: options.storageCfg } : {}),
  });
  const check = await checkOwnArchive(backup.archive ?? '', entry.vmid, dirs, entry.runId);
  return check.ok ? undefined : check.reason;
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
  options: RecoveryOptions = {},
): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  await assertStateDirTrustedIfExists(stateDir);
  const { entries, quarantined } = await readJournalsChecked(stateDir);
  for (const q of quarantined.filter((e) => only === undefined || e.vmid === only)) {
    log.error({ quarantine: q }, describeQuarantine(q));
    reports.push(quarantineReport(q, { vmid: q.vmid ?? 0, runId: '', step: 'unknown' }));
  }
  for (const entry of entries.filter((e) => only === undefined || e.vmid === only)) {
    const base = { vmid: entry.vmid, runId: entry.runId, step: entry.step };
    const policy = policyFor(entry.vmid);
    try {
      const lock = await acquireContainerLock(entry.vmid, options.runId ?? `recovery-${process.pid}`, {
        ...(options.lockDir ? { lockDir: options.lockDir } : {}),
      });
      try {
        reports.push(await recoverOne(entry, base, policy));
      } finally {
        await lock.release();
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
  return reports.sort((a, b) => a.vmid - b.vmid);

  /** The container's Proxmox lock, if any; a container that cannot be read has none to report (vanished: handled below). */
  async function lockOf(vmid: number): Promise<string | undefined> {
    try {
      const lock = (await host.readConfig(vmid))['lock'];
      return lock ? lock : undefined;
    } catch {
      return undefined;
    }
  }

  async function recoverOne(
    entry: JournalEntry,
    base: Pick<RecoveryReport, 'vmid' | 'runId' | 'step'>,
    policy: RecoveryPolicy,
  ): Promise<RecoveryReport> {
    const lock = await lockOf(entry.vmid);
    const remedy = lock === undefined ? undefined : lockRemedy(entry, lock);
    if (entry.step === 'backup') {
      await setBackupResult(stateDir, entry.vmid, entry.runId, 'interrupted');
      // The lock is unrot's own half-taken backup: named, never lifted; the journal stays, so every
      // run names it again until an operator has cleared it.
      if (remedy?.own) return lockedReport(entry, base, 'none', remedy);
      await clearJournal(stateDir, entry.vmid);
      return {
        ...base,
        action: 'none',
        detail: `interrupted while taking the backup; nothing had been changed${remedy ? `; ${remedy.summary}` : ''}`,
        ...(lock ? { lock } : {}),
      };
    }
    if (entry.step !== 'rollback' && (policy.onInterrupt === 'verify' || !entry.backup)) {
      await clearJournal(stateDir, entry.vmid);
      return {
        ...base,
        action: 'resumed',
        detail: entry.backup
          ? 'policy on_interrupt is verify: this run checks and finishes the update'
          : 'no backup to restore: this run checks and finishes the update',
      };
    }
    const backup = entry.backup;
    if (!backup) throw new Error('journal says rollback but names no backup');
    // A locked container cannot be restored (Proxmox refuses); unrot says whose lock it is and what to do.
    if (remedy) return lockedReport(entry, base, 'failed', remedy);
    // Stop and restore only on Proxmox's word that this is unrot's own backup of this run.
    const distrust = await untrustedBackup(stateDir, host, entry, backup, policy, options);
    if (distrust !== undefined) {
      const q = await quarantineFile(stateDir, statePaths(stateDir).journalFile(entry.vmid), distrust);
      log.error({ quarantine: q }, describeQuarantine(q));
      return quarantineReport(q, base);
    }
    // Keep saying "rollback" while doing it, so a second crash here is retried too.
    await writeJournal(stateDir, { ...entry, step: 'rollback', pid: process.pid, at: new Date().toISOString() });
    const restored = await restoreBackup(host, entry.vmid, backup, entry.wasRunning, policy.rollbackTimeoutMs);
    await setBackupResult(stateDir, entry.vmid, entry.runId, 'rolled-back');
    await clearJournal(stateDir, entry.vmid);
    return {
      ...base,
      action: 'rolled-back',
      to: restored.to,
      detail: `interrupted during ${entry.step}; restored ${restored.kind} ${restored.to}`,
    };
  }
}
