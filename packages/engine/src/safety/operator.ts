import { UnrotError } from '@unrot/sdk';
import { ensureFleetBound } from '../config/group-files.js';
import { effectiveGlobal, effectivePolicy, type LoadedConfig, loadConfig } from '../config/index.js';
import { configuredHostSpec, hostFromSpec } from '../host/api/host-choice.js';
import type { Host } from '../host/host.js';
import { newRunId } from '../report/run-id.js';
import { readBackups } from './backup-index.js';
import type { BackupRef } from './journal.js';
import { checkOwnArchive, dumpDirs } from './own-archives.js';
import { isOwnSnapshot, ownSnapshots } from './own-snapshots.js';
import { restoreBackup } from './restore-backup.js';
import { type PruneResult, pruneOwnBackups } from './retention.js';
import { acquireContainerLock, acquireRunLock, type RunLock } from './run-lock.js';
import { statePaths } from './state-files.js';
import { ensureStateDir } from './trusted-dir.js';

export interface OperatorOptions {
  configDir: string;
  stateDir?: string;
  host?: Host;
}

async function context(options: OperatorOptions): Promise<{ config: LoadedConfig; stateDir: string; host: Host }> {
  const config = await loadConfig(options.configDir);
  const g = effectiveGlobal(config);
  const stateDir = options.stateDir ?? g.stateDir;
  // Refuses (E_CONFIG, exit 2) a state_dir others can write: its records decide what is restored or deleted.
  await ensureStateDir(stateDir);
  // global.yml `host:` decides pct tools or the API (its token read from secrets_files here).
  const host = options.host ?? (await hostFromSpec(await configuredHostSpec(config)));
  // Group files selecting by tag or name need the container list before a policy is read (backup.keep, timeouts).
  await ensureFleetBound(config, host);
  return { config, stateDir, host };
}

export interface RollbackPlan {
  vmid: number;
  backup: BackupRef;
  /** why this backup: named with --to, or the newest taken before the last successful update */
  chosenBecause: string;
  wasRunning: boolean;
  /** exactly what will run */
  commands: string[][];
}

export interface RollbackResult extends RollbackPlan {
  dryRun: boolean;
  running: boolean;
  durationMs: number;
}

/**
 * `unrot rollback CTID [--to NAME|ARCHIVE] [--dry-run]`. The default target is the backup
 * unrot took before the last update that succeeded. Holds the run lock, so it never races a run.
 */
export async function operatorRollback(options: OperatorOptions & { vmid: number; to?: string; dryRun: boolean }): Promise<RollbackResult> {
  const { config, stateDir, host } = await context(options);
  const { vmid } = options;
  const runId = newRunId();
  const locks: RunLock[] = [];
  try {
    if (!options.dryRun) {
      locks.push(await acquireRunLock(statePaths(stateDir).lockFile, runId));
      locks.push(await acquireContainerLock(vmid, runId));
    }
    const snapshots = await host.listSnapshots(vmid);
    let backup: BackupRef;
    let chosenBecause: string;
    if (options.to) {
      if (options.to.startsWith('/')) {
        backup = { kind: 'vzdump', archive: options.to };
      } else {
        if (!snapshots.some((s) => !s.current && s.name === options.to))
          throw new UnrotError('E_NO_BACKUP', `CT ${vmid} has no snapshot '${options.to}'`);
        backup = { kind: 'snapshot', name: options.to };
      }
      chosenBecause = 'named with --to';
    } else {
      const records = (await readBackups(stateDir, vmid)).filter((r) => r.result === 'updated');
      // Only what Proxmox still lists as unrot's: an own snapshot, an archive in a dump directory with unrot's notes.
      const dirs = await dumpDirs();
      const existing: typeof records = [];
      for (const r of records) {
        if (
          r.kind === 'snapshot'
            ? snapshots.some((s) => s.name === r.name && isOwnSnapshot(s))
            : (await checkOwnArchive(r.archive ?? '', vmid, dirs, r.runId)).ok
        )
          existing.push(r);
      }
      const newest = existing.at(-1);
      if (newest) {
        backup = {
          kind: newest.kind,
          ...(newest.name ? { name: newest.name } : {}),
          ...(newest.archive ? { archive: newest.archive } : {}),
          ...(newest.storage ? { storage: newest.storage } : {}),
        };
        chosenBecause = `taken before the last successful update (run ${newest.runId})`;
      } else {
        const own = ownSnapshots(snapshots).at(-1);
        if (!own) throw new UnrotError('E_NO_BACKUP', `CT ${vmid} has no snapshot or archive made by unrot; name one with --to`);
        backup = { kind: 'snapshot', name: own.name };
        chosenBecause = "the newest of unrot's own snapshots (no record of a successful update)";
      }
    }
    const wasRunning = (await host.status(vmid)) === 'running';
    const policy = effectivePolicy(config, vmid);
    const commands =
      backup.kind === 'snapshot'
        ? [['pct', 'rollback', String(vmid), backup.name as string, ...(wasRunning ? ['--start', '1'] : [])]]
        : [
            ...(wasRunning ? [['pct', 'stop', String(vmid)]] : []),
            [
              'pct',
              'restore',
              String(vmid),
              backup.archive as string,
              '--force',
              '1',
              ...(backup.storage ? ['--storage', backup.storage] : []),
            ],
            ...(wasRunning ? [['pct', 'start', String(vmid)]] : []),
          ];
    const plan: RollbackPlan = { vmid, backup, chosenBecause, wasRunning, commands };
    if (options.dryRun) return { ...plan, dryRun: true, running: wasRunning, durationMs: 0 };
    const restored = await restoreBackup(host, vmid, backup, wasRunning, policy.timeoutsMs.rollback);
    return { ...plan, dryRun: false, running: restored.running, durationMs: restored.durationMs };
  } finally {
    for (const lock of locks.reverse()) await lock.release();
  }
}

export interface SnapshotListing {
  vmid: number;
  own: Array<{ name: string; time: string | null; description: string }>;
  archives: Array<{ archive: string; runId: string; result: string }>;
  others: string[];
}

/** `unrot snapshots list`: unrot's own snapshots and archives per container, and the others it will never touch. */
export async function listOwnBackups(options: OperatorOptions & { vmids?: number[] }): Promise<SnapshotListing[]> {
  const { stateDir, host } = await context(options);
  const vmids = options.vmids?.length ? options.vmids : (await host.listContainers()).map((c) => c.vmid);
  const out: SnapshotListing[] = [];
  for (const vmid of vmids.sort((a, b) => a - b)) {
    const tree = await host.listSnapshots(vmid);
    const records = await readBackups(stateDir, vmid);
    out.push({
      vmid,
      own: ownSnapshots(tree).map((s) => ({ name: s.name, time: s.time, description: s.description })),
      archives: records
        .filter((r) => r.kind === 'vzdump' && r.archive)
        .map((r) => ({ archive: r.archive as string, runId: r.runId, result: r.result })),
      others: tree.filter((s) => !s.current && !isOwnSnapshot(s)).map((s) => s.name),
    });
  }
  return out;
}

/** `unrot snapshots prune [--dry-run]`: retention by each container's `backup.keep`. */
export async function pruneBackups(
  options: OperatorOptions & { vmids?: number[]; dryRun: boolean; keep?: number },
): Promise<PruneResult[]> {
  const { config, stateDir, host } = await context(options);
  const lock = options.dryRun ? undefined : await acquireRunLock(statePaths(stateDir).lockFile, newRunId());
  try {
    const vmids = options.vmids?.length ? options.vmids : (await host.listContainers()).map((c) => c.vmid);
    const results: PruneResult[] = [];
    for (const vmid of vmids.sort((a, b) => a - b)) {
      const policy = effectivePolicy(config, vmid);
      results.push(
        await pruneOwnBackups(host, stateDir, vmid, options.keep ?? policy.backup.keep, {
          dryRun: options.dryRun,
          timeoutMs: policy.timeoutsMs.backup,
        }),
      );
    }
    return results;
  } finally {
    await lock?.release();
  }
}
