import { listJsonFiles, readJson, removeFile, statePaths, writeJson } from './state-files.js';

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
  const files = await listJsonFiles(statePaths(stateDir).journalDir);
  const entries = await Promise.all(files.map((f) => readJson<JournalEntry>(f)));
  return entries.filter((e): e is JournalEntry => e !== undefined).sort((a, b) => a.vmid - b.vmid);
}
