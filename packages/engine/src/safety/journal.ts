import { basename } from 'node:path';
import type { QuarantineEvent } from './quarantine.js';
import { listJsonFiles, readStateFile, removeFile, statePaths, writeJson } from './state-files.js';
import { backupRefProblem, JournalEntrySchema } from './state-schemas.js';

export type JournalStep = 'backup' | 'apply' | 'verify' | 'rollback';

export interface BackupRef {
  kind: 'snapshot' | 'vzdump';
  /** snapshot name */
  name?: string;
  /** vzdump archive path */
  archive?: string;
  /** vzdump restore storage (the container's rootfs storage) */
  storage?: string;
}

/**
 * What a container is in the middle of, persisted (write, fsync, rename) before each changing
 * step, so a run killed with SIGKILL leaves enough for the next run to finish the job.
 */
export interface JournalEntry {
  runId: string;
  vmid: number;
  step: JournalStep;
  backup?: BackupRef;
  /** The container was running before the update (rollback leaves it stopped). */
  wasRunning: boolean;
  pid: number;
  at: string;
}

export async function writeJournal(stateDir: string, entry: JournalEntry): Promise<void> {
  await writeJson(statePaths(stateDir).journalFile(entry.vmid), entry);
}

export async function clearJournal(stateDir: string, vmid: number): Promise<void> {
  await removeFile(statePaths(stateDir).journalFile(vmid));
}

export async function readJournals(stateDir: string): Promise<JournalEntry[]> {
  return (await readJournalsChecked(stateDir)).entries;
}

/**
 * Every journal entry that is unrot's own and well-formed, and the files that were not (moved to
 * quarantine/, one event each). A bad file never hides the others.
 */
export async function readJournalsChecked(stateDir: string): Promise<{ entries: JournalEntry[]; quarantined: QuarantineEvent[] }> {
  const entries: JournalEntry[] = [];
  const quarantined: QuarantineEvent[] = [];
  for (const file of await listJsonFiles(statePaths(stateDir).journalDir)) {
    const m = /^ct-(\d+)\.json$/.exec(basename(file));
    const read = await readStateFile<JournalEntry>(stateDir, file, JournalEntrySchema, (e) => {
      if (!m || Number(m[1]) !== e.vmid) return `/vmid: ${e.vmid} does not match the file name`;
      return e.backup ? backupRefProblem(e.backup as Parameters<typeof backupRefProblem>[0]) : undefined;
    });
    if (read.value) entries.push(read.value);
    if (read.quarantined) quarantined.push(read.quarantined);
  }
  return { entries: entries.sort((a, b) => a.vmid - b.vmid), quarantined };
}
