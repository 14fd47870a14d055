import type { BackupRef } from './journal.js';
import type { QuarantineEvent } from './quarantine.js';
import { readStateFile, statePaths, writeJson } from './state-files.js';
import { BackupsFileSchema, backupRefProblem } from './state-schemas.js';

/** One backup unrot took, and what became of the update it protected. */
export interface BackupRecord extends BackupRef {
  runId: string;
  takenAt: string;
  /** updated: the update succeeded; rolled-back / failed / interrupted otherwise; pending while in flight. */
  result: 'pending' | 'updated' | 'rolled-back' | 'failed' | 'interrupted';
}

/** Per-container list of unrot's own backups, oldest first (vzdump archives have no other owner mark). */
export async function readBackups(stateDir: string, vmid: number): Promise<BackupRecord[]> {
  return (await readBackupsChecked(stateDir, vmid)).records;
}

/**
 * The records, schema-checked: snapshot names only unrot makes, archive paths absolute and
 * normalized. A file that fails is moved to quarantine/ and reads as no records (so retention
 * deletes nothing of what it named).
 */
export async function readBackupsChecked(
  stateDir: string,
  vmid: number,
): Promise<{ records: BackupRecord[]; quarantined?: QuarantineEvent }> {
  const read = await readStateFile<BackupRecord[]>(stateDir, statePaths(stateDir).backupsFile(vmid), BackupsFileSchema, (records) => {
    for (const [i, r] of records.entries()) {
      const problem = backupRefProblem(r as Parameters<typeof backupRefProblem>[0]);
      if (problem) return `/${i}${problem}`;
    }
    return undefined;
  });
  return { records: read.value ?? [], ...(read.quarantined ? { quarantined: read.quarantined } : {}) };
}

export async function writeBackups(stateDir: string, vmid: number, records: readonly BackupRecord[]): Promise<void> {
  await writeJson(statePaths(stateDir).backupsFile(vmid), records);
}

export async function addBackup(stateDir: string, vmid: number, record: BackupRecord): Promise<void> {
  const records = await readBackups(stateDir, vmid);
  await writeBackups(stateDir, vmid, [...records.filter((r) => r.runId !== record.runId), record]);
}

export async function setBackupResult(stateDir: string, vmid: number, runId: string, result: BackupRecord['result']): Promise<void> {
  const records = await readBackups(stateDir, vmid);
  await writeBackups(
    stateDir,
    vmid,
    records.map((r) => (r.runId === runId ? { ...r, result } : r)),
  );
}
