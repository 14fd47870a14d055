import { rm } from 'node:fs/promises';
import type { Host } from '../host/host.js';
import { type BackupRecord, readBackupsChecked, writeBackups } from './backup-index.js';
import { checkOwnArchive, type DumpDirOptions, dumpDirs } from './own-archives.js';
import { isOwnSnapshotName, ownSnapshots } from './own-snapshots.js';
import type { QuarantineEvent } from './quarantine.js';
import { assertStateDirTrustedIfExists } from './trusted-dir.js';

export interface PruneResult {
  vmid: number;
  kept: string[];
  deleted: string[];
  /** Due for deletion by the index, but not provably unrot's own: left alone, with the reason. */
  refused?: Array<{ target: string; reason: string }>;
  /** The backup index was not trusted (moved to quarantine/); nothing it named was deleted. */
  quarantined?: QuarantineEvent;
}

/**
 * Keeps the newest `keep` of unrot's own snapshots (by name and description) and of the vzdump
 * archives it recorded, and deletes the rest. Snapshots made by anyone else, and the temporary
 * `vzdump` snapshot, are never touched. Nothing is deleted on the word of the backup index
 * alone: a snapshot must be unrot's own in `pct listsnapshot`, an archive must pass
 * checkOwnArchive (dump directory of a backup storage, vzdump's name for this container, not a
 * link, vzdump's notes naming unrot).
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
  } & DumpDirOptions,
): Promise<PruneResult> {
  await assertStateDirTrustedIfExists(stateDir);
  const { records, quarantined } = await readBackupsChecked(stateDir, vmid);
  const archives = records.filter((r): r is BackupRecord & { archive: string } => r.kind === 'vzdump' && typeof r.archive === 'string');
  const indexedSnapshots = records.filter((r) => r.kind === 'snapshot').length;
  const own =
    options.trustIndex && indexedSnapshots <= keep
      ? records.filter((r) => r.kind === 'snapshot' && r.name && isOwnSnapshotName(r.name)).map((r) => r.name as string)
      : ownSnapshots(await host.listSnapshots(vmid, options.signal)).map((s) => s.name);
  // With trustIndex, `own` holds at most `keep` names, so nothing is due on the index's word alone:
  // every snapshot deleted below comes from Proxmox's own listing.
  const doomedSnapshots = own.slice(0, Math.max(0, own.length - keep));
  const refused: Array<{ target: string; reason: string }> = [];
  const dueArchives = archives.slice(0, Math.max(0, archives.length - keep)).map((r) => r.archive);
  const doomedArchives: string[] = [];
  const goneArchives: string[] = [];
  if (dueArchives.length > 0) {
    const dirs = await dumpDirs(options);
    for (const archive of dueArchives) {
      const check = await checkOwnArchive(archive, vmid, dirs);
      if (check.ok) doomedArchives.push(archive);
      else if (check.gone) goneArchives.push(archive);
      else refused.push({ target: archive, reason: check.reason });
    }
  }
  if (!options.dryRun) {
    for (const name of doomedSnapshots) await host.deleteSnapshot(vmid, name, options.timeoutMs, options.signal);
    for (const archive of doomedArchives) {
      // The archive and what vzdump writes beside it (all in the checked dump directory).
      for (const path of [archive, archive.replace(/\.tar(\.\w+)?$/, '.log'), `${archive}.notes`]) await rm(path, { force: true });
    }
    const gone = new Set([...doomedSnapshots, ...doomedArchives, ...goneArchives]);
    if (gone.size > 0 || quarantined === undefined) {
      await writeBackups(
        stateDir,
        vmid,
        records.filter((r) => !gone.has(r.name ?? '') && !gone.has(r.archive ?? '')),
      );
    }
  }
  const deletedSet = new Set([...doomedSnapshots, ...doomedArchives]);
  const kept = [...own, ...archives.map((r) => r.archive)].filter((t) => !deletedSet.has(t) && !goneArchives.includes(t));
  return {
    vmid,
    kept,
    deleted: [...doomedSnapshots, ...doomedArchives],
    ...(refused.length > 0 ? { refused } : {}),
    ...(quarantined ? { quarantined } : {}),
  };
}
