import { rm } from 'node:fs/promises';
import type { Host } from '../host/host.js';
import { readBackups, writeBackups } from './backup-index.js';
import { ownSnapshots } from './own-snapshots.js';

export interface PruneResult {
  vmid: number;
  kept: string[];
  deleted: string[];
}

/**
 * Keeps the newest `keep` of unrot's own snapshots (by name and description) and of the vzdump
 * archives it recorded, and deletes the rest. Snapshots made by anyone else, and the temporary
 * `vzdump` snapshot, are never touched.
 */
export async function pruneOwnBackups(
  host: Host,
  stateDir: string,
  vmid: number,
  keep: number,
  options: {
    dryRun: boolean;
    timeoutMs: number;
    signal?: AbortSignal;
    /**
     * After an update: when the backup index records no more snapshots than `keep`, nothing can be
     * due, so `pct listsnapshot` is not called (one host call less per container). Own snapshots
     * missing from the index (a wiped state dir) are pruned by the first run that records more.
     */
    trustIndex?: boolean;
  },
): Promise<PruneResult> {
  const records = await readBackups(stateDir, vmid);
  const archives = records.filter((r) => r.kind === 'vzdump' && r.archive);
  const indexedSnapshots = records.filter((r) => r.kind === 'snapshot').length;
  const own =
    options.trustIndex && indexedSnapshots <= keep
      ? records.filter((r) => r.kind === 'snapshot' && r.name).map((r) => r.name as string)
      : ownSnapshots(await host.listSnapshots(vmid, options.signal)).map((s) => s.name);
  const doomedSnapshots = own.slice(0, Math.max(0, own.length - keep));
  const doomedArchives = archives.slice(0, Math.max(0, archives.length - keep)).map((r) => r.archive as string);
  if (!options.dryRun) {
    for (const name of doomedSnapshots) await host.deleteSnapshot(vmid, name, options.timeoutMs, options.signal);
    for (const archive of doomedArchives) {
      // The archive and what vzdump writes beside it.
      for (const path of [archive, archive.replace(/\.tar(\.\w+)?$/, '.log'), `${archive}.notes`]) await rm(path, { force: true });
    }
    const gone = new Set([...doomedSnapshots, ...doomedArchives]);
    await writeBackups(
      stateDir,
      vmid,
      records.filter((r) => !gone.has(r.name ?? '') && !gone.has(r.archive ?? '')),
    );
  }
  const kept = [...own.slice(doomedSnapshots.length), ...archives.slice(doomedArchives.length).map((r) => r.archive as string)];
  return { vmid, kept, deleted: [...doomedSnapshots, ...doomedArchives] };
}
