/**
 * Snapshot create / delete / rollback, following pve-guest-common AbstractConfig step by step:
 * checks under the config flock, the `lock:` key held during the work, snapstate
 * prepare/delete, parent re-pointing, and a running CT frozen around the volume snapshots.
 */
import { withConfigLock } from '../config-lock.js';
import { checkLock, loadConfig, writeConfig } from '../config-store.js';
import { ctState, freezeCt, startCt, stopCt, unfreezeCt } from '../lxc.js';
import type { PveConfig, PveSection } from '../pve-config.js';
import { PveError } from '../pve-errors.js';
import { volumeHasSnapshotFeature } from '../storage-cfg.js';
import { deleteVolumeSnapshot, rollbackVolume, snapshotVolume } from '../volumes.js';
import { type PveContext, sectionResolvedVolumes } from './context.js';

const SKIP_ON_COPY = new Set(['snapstate', 'snaptime', 'vmstate', 'lock', 'digest']);

/** __snapshot_copy_config: everything but state keys, description and unusedN. */
function copyConfig(source: PveSection): PveSection {
  const keys: Record<string, string> = {};
  for (const [k, v] of Object.entries(source.keys)) {
    if (SKIP_ON_COPY.has(k) || /^unused\d+$/.test(k)) continue;
    keys[k] = v;
  }
  return { keys, lxc: source.lxc.map(([k, v]) => [k, v] as [string, string]) };
}

export function isTemplate(conf: PveSection): boolean {
  return conf.keys['template'] === '1';
}

function hasSnapshotFeature(ctx: PveContext, conf: PveSection): boolean {
  return sectionResolvedVolumes(ctx, conf).every(({ volid }) => volumeHasSnapshotFeature(ctx.storages, volid));
}

async function setLock(ctx: PveContext, vmid: number, lock: string): Promise<void> {
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    checkLock(conf);
    conf.keys['lock'] = lock;
    writeConfig(ctx.paths, vmid, conf);
  });
}

export async function removeLock(ctx: PveContext, vmid: number, lock: string): Promise<void> {
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    if (conf.keys['lock'] === lock) delete conf.keys['lock'];
    writeConfig(ctx.paths, vmid, conf);
  });
}

export async function snapshotCreate(ctx: PveContext, vmid: number, snapname: string, description?: string): Promise<void> {
  let snap: PveSection | undefined;
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    if (isTemplate(conf)) throw new PveError("you can't take a snapshot if it's a template");
    checkLock(conf);
    conf.keys['lock'] = 'snapshot';
    if (conf.snapshots[snapname]) throw new PveError(`snapshot name '${snapname}' already used`);
    if (!hasSnapshotFeature(ctx, conf)) throw new PveError('snapshot feature is not available');
    for (const name of Object.keys(conf.snapshots).sort()) {
      const other = conf.snapshots[name]!;
      if (other.keys['parent'] === snapname) {
        ctx.out(`deleting parent '${snapname}' reference from '${name}' to avoid bogus snapshot cycle.`);
        delete other.keys['parent'];
      }
    }
    snap = copyConfig(conf);
    snap.keys['snapstate'] = 'prepare';
    snap.keys['snaptime'] = String(Math.floor(Date.now() / 1000));
    if (description) snap.description = description;
    conf.snapshots[snapname] = snap;
    writeConfig(ctx.paths, vmid, conf);
  });
  const running = (await ctState(ctx.paths, vmid)) === 'running';
  const done: string[] = [];
  let failure: unknown;
  try {
    if (running) await freezeCt(ctx.paths, vmid);
    try {
      for (const { volid, vol } of sectionResolvedVolumes(ctx, snap!)) {
        await snapshotVolume(vol.storage!, vol.path, snapname);
        done.push(volid);
      }
    } finally {
      if (running) await unfreezeCt(ctx.paths, vmid);
    }
  } catch (err) {
    failure = err;
  }
  if (failure) {
    ctx.out('snapshot create failed: starting cleanup');
    try {
      await snapshotDelete(ctx, vmid, snapname, true, new Set(done));
    } catch (err) {
      ctx.out(err instanceof Error ? err.message : String(err));
    }
    throw failure;
  }
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    if (conf.keys['lock'] !== 'snapshot') throw new PveError('missing snapshot lock');
    const s = conf.snapshots[snapname];
    if (!s) throw new PveError(`snapshot '${snapname}' does not exist`);
    if (s.keys['snapstate'] !== 'prepare') throw new PveError('wrong snapshot state');
    delete s.keys['snapstate'];
    delete conf.keys['lock'];
    conf.keys['parent'] = snapname;
    writeConfig(ctx.paths, vmid, conf);
  });
}

/**
 * snapshot_delete. `driveSet` is given when cleaning up a failed create (the CT then holds the
 * `snapshot` lock already and only those volumes need deleting).
 */
export async function snapshotDelete(
  ctx: PveContext,
  vmid: number,
  snapname: string,
  force: boolean,
  driveSet?: Set<string>,
): Promise<void> {
  const first = loadConfig(ctx.paths, vmid);
  if (!first.snapshots[snapname]) throw new PveError(`snapshot '${snapname}' does not exist`);
  if (!driveSet) await setLock(ctx, vmid, 'snapshot-delete');
  const expected = driveSet ? 'snapshot' : 'snapshot-delete';
  let snap: PveSection | undefined;
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    if (conf.keys['lock'] !== expected) throw new PveError(`encountered invalid lock, expected '${expected}'`);
    snap = conf.snapshots[snapname];
    if (!snap) throw new PveError(`snapshot '${snapname}' does not exist`);
    snap.keys['snapstate'] = 'delete';
    writeConfig(ctx.paths, vmid, conf);
  });
  for (const { volid, vol } of sectionResolvedVolumes(ctx, snap!)) {
    if (driveSet && !driveSet.has(volid)) continue;
    try {
      await deleteVolumeSnapshot(vol.storage!, vol.path, snapname);
    } catch (err) {
      if (!force) throw err;
      ctx.out(`WARN: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    if (conf.keys['lock'] !== expected) throw new PveError(`encountered invalid lock, expected '${expected}'`);
    const s = conf.snapshots[snapname];
    if (!s) throw new PveError(`snapshot '${snapname}' does not exist`);
    const newParent = s.keys['parent'];
    const unlinkParent = (sec: PveSection) => {
      if (sec.keys['parent'] !== snapname) return;
      if (newParent) sec.keys['parent'] = newParent;
      else delete sec.keys['parent'];
    };
    for (const [name, other] of Object.entries(conf.snapshots)) if (name !== snapname) unlinkParent(other);
    unlinkParent(conf);
    delete conf.snapshots[snapname];
    // Both a delete and a failed create's cleanup end unlocked (AbstractConfig snapshot_delete).
    delete conf.keys['lock'];
    writeConfig(ctx.paths, vmid, conf);
  });
}

/** __snapshot_apply_config: the snapshot's keys become the main section; description is kept. */
function applySnapshotConfig(conf: PveConfig, snap: PveSection): PveConfig {
  const next = copyConfig(snap);
  for (const [k, v] of Object.entries(conf.keys)) if (/^unused\d+$/.test(k)) next.keys[k] = v;
  const out: PveConfig = { ...next, pending: conf.pending, snapshots: conf.snapshots };
  if (conf.description !== undefined) out.description = conf.description;
  return out;
}

export async function snapshotRollback(ctx: PveContext, vmid: number, snapname: string, start: boolean): Promise<void> {
  const getSnap = (conf: PveConfig): PveSection => {
    if (isTemplate(conf)) throw new PveError("you can't rollback if vm is a template");
    const s = conf.snapshots[snapname];
    if (!s) throw new PveError(`snapshot '${snapname}' does not exist`);
    return s;
  };
  let snap = getSnap(loadConfig(ctx.paths, vmid));
  await withConfigLock(ctx.paths, vmid, async () => {
    const conf = loadConfig(ctx.paths, vmid);
    snap = getSnap(conf);
    if (snap.keys['snapstate']) throw new PveError(`unable to rollback to incomplete snapshot (snapstate = ${snap.keys['snapstate']})`);
    checkLock(conf);
    if ((await ctState(ctx.paths, vmid)) === 'running') await stopCt(ctx.paths, vmid);
    if ((await ctState(ctx.paths, vmid)) === 'running') throw new PveError(`unable to rollback vm ${vmid}: vm is running`);
    conf.keys['lock'] = 'rollback';
    writeConfig(ctx.paths, vmid, conf);
  });
  for (const { vol } of sectionResolvedVolumes(ctx, snap)) await rollbackVolume(vol.storage!, vol.path, snapname);
  let finalConf: PveConfig | undefined;
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    snap = getSnap(conf);
    if (conf.keys['lock'] !== 'rollback') throw new PveError('got wrong lock');
    delete conf.keys['lock'];
    finalConf = applySnapshotConfig(conf, snap);
    finalConf.keys['parent'] = snapname;
    writeConfig(ctx.paths, vmid, finalConf);
  });
  if (start) await startCt(ctx.paths, ctx.storages, vmid, finalConf!);
}

/** Entries for listsnapshot / the API list, plus `current`. */
export function snapshotList(conf: PveConfig): Array<{ name: string; snaptime?: number; description?: string; parent?: string }> {
  const out: Array<{ name: string; snaptime?: number; description?: string; parent?: string }> = [];
  for (const [name, s] of Object.entries(conf.snapshots)) {
    const e: { name: string; snaptime?: number; description?: string; parent?: string } = { name };
    if (s.keys['snaptime'] !== undefined) e.snaptime = Number(s.keys['snaptime']);
    if (s.description !== undefined) e.description = s.description;
    if (s.keys['parent']) e.parent = s.keys['parent'];
    out.push(e);
  }
  const current: { name: string; description: string; parent?: string } = { name: 'current', description: 'You are here!' };
  if (conf.keys['parent']) current.parent = conf.keys['parent'];
  out.push(current);
  return out;
}
