/** Volume operations per storage type: btrfs subvolumes (snapshottable) and plain directories. */
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { runChecked } from './proc.js';
import { PveError } from './pve-errors.js';
import type { StorageEntry } from './storage-cfg.js';
import { snapshotPath } from './storage-cfg.js';

export async function createVolumeDir(storage: StorageEntry, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (existsSync(path)) throw new PveError(`volume '${path}' already exists`);
  if (storage.type === 'btrfs') await runChecked(['btrfs', 'subvolume', 'create', path]);
  else mkdirSync(path, { mode: 0o755 });
}

/** Copies a finished rootfs into a volume (reflinks where the filesystem can). */
export async function copyTree(src: string, dst: string): Promise<void> {
  await runChecked(['cp', '-a', '--reflink=auto', `${src}/.`, `${dst}/`]);
}

/**
 * Shifts every uid/gid by `offset`, as Proxmox does for an unprivileged CT's rootfs.
 * chown clears set-id bits, so those are put back. File capabilities are dropped by the
 * kernel on chown and are not restored (a documented difference).
 */
export function shiftOwnership(root: string, offset: number): void {
  const walk = (path: string) => {
    const st = lstatSync(path);
    lchownSync(path, st.uid + offset, st.gid + offset);
    if (!st.isSymbolicLink() && st.mode & 0o6000) chmodSync(path, st.mode & 0o7777);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
}

export async function snapshotVolume(storage: StorageEntry, path: string, snapname: string): Promise<void> {
  if (storage.type !== 'btrfs') throw new PveError('snapshot feature is not available');
  const target = snapshotPath(path, snapname);
  // btrfs would put the snapshot *inside* an existing directory; a leftover must fail instead.
  if (existsSync(target)) throw new PveError(`btrfs error: snapshot target '${target}' already exists`);
  await runChecked(['btrfs', 'subvolume', 'snapshot', '-r', '--', path, target]);
}

/** Replaces the volume's content with the snapshot's (btrfs: swap in a writable snapshot). */
export async function rollbackVolume(storage: StorageEntry, path: string, snapname: string): Promise<void> {
  if (storage.type !== 'btrfs') throw new PveError('snapshot feature is not available');
  const snap = snapshotPath(path, snapname);
  if (!existsSync(snap)) throw new PveError(`snapshot '${snapname}' of volume '${basename(path)}' does not exist`);
  const tmp = `${path}.rollback-${process.pid}`;
  await runChecked(['btrfs', 'subvolume', 'snapshot', snap, tmp]);
  await deleteSubvolume(path);
  await runChecked(['mv', '-T', tmp, path]);
}

export async function deleteVolumeSnapshot(storage: StorageEntry, path: string, snapname: string): Promise<void> {
  if (storage.type !== 'btrfs') return;
  const snap = snapshotPath(path, snapname);
  if (existsSync(snap)) await deleteSubvolume(snap);
}

async function deleteSubvolume(path: string): Promise<void> {
  await runChecked(['btrfs', 'subvolume', 'delete', path]);
}

/** Deletes a volume with all its snapshots. */
export async function deleteVolume(storage: StorageEntry | undefined, path: string): Promise<void> {
  if (storage?.type === 'btrfs') {
    const dir = dirname(path);
    const prefix = `${basename(path)}@`;
    if (existsSync(dir)) {
      for (const name of readdirSync(dir)) if (name.startsWith(prefix)) await deleteSubvolume(join(dir, name));
    }
    if (existsSync(path)) await deleteSubvolume(path);
  } else if (existsSync(path)) {
    rmSync(path, { recursive: true, force: true });
  }
  const parent = dirname(path);
  if (existsSync(parent) && readdirSync(parent).length === 0) rmSync(parent, { recursive: true });
}
