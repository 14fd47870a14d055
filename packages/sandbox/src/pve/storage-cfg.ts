/**
 * Proxmox's /etc/pve/storage.cfg: `type: id` headers with tab-indented `key value` lines.
 * Only what the sandbox uses is modelled: dir and btrfs storages, their paths, and whether a
 * volume on them can be snapshotted (pve-storage volume_has_feature: btrfs yes, dir no).
 */
import { join } from 'node:path';
import { PveError } from './pve-errors.js';
import type { SandboxPaths } from './sandbox-root.js';

export interface StorageEntry {
  id: string;
  type: string;
  path: string;
  content: string[];
  disabled: boolean;
  options: Record<string, string>;
}

export function parseStorageCfg(raw: string): Map<string, StorageEntry> {
  const out = new Map<string, StorageEntry>();
  let cur: StorageEntry | undefined;
  for (const line of raw.split('\n')) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const head = /^(\S+):\s*(\S+)\s*$/.exec(line);
    if (head) {
      cur = { type: head[1]!, id: head[2]!, path: '', content: [], disabled: false, options: {} };
      out.set(cur.id, cur);
      continue;
    }
    const kv = /^\s+(\S+)(?:\s+(.*?))?\s*$/.exec(line);
    if (kv && cur) {
      const [, key, value = ''] = kv;
      cur.options[key!] = value;
      if (key === 'path') cur.path = value;
      else if (key === 'content') cur.content = value.split(',').filter(Boolean);
      else if (key === 'disable') cur.disabled = value === '' || value === '1';
    }
  }
  return out;
}

/** The storage.cfg the sandbox uses (S2's `up` writes it; tests write it too). */
export function defaultStorageCfg(paths: SandboxPaths): string {
  return (
    `btrfs: local-btrfs\n\tpath ${paths.btrfsPath}\n\tcontent rootdir,images\n\n` +
    `dir: local\n\tpath ${paths.dirPath}\n\tcontent rootdir,backup,vztmpl\n`
  );
}

export async function loadStorageCfg(paths: SandboxPaths): Promise<Map<string, StorageEntry>> {
  const { readFile } = await import('node:fs/promises');
  let raw: string;
  try {
    raw = await readFile(paths.storageCfg, 'utf8');
  } catch {
    throw new PveError(`storage config '${paths.storageCfg}' does not exist - run 'unrot-sandbox up' first`);
  }
  return parseStorageCfg(raw);
}

export interface ResolvedVolume {
  /** undefined for a path (bind/device) volume. */
  storage?: StorageEntry;
  volname: string;
  path: string;
  /** For image volumes: the owner vmid from the name. */
  vmid?: number;
}

export function parseVolumeId(volid: string): { storeid: string; volname: string } | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  return m ? { storeid: m[1]!, volname: m[2]! } : undefined;
}

/** Turns a volid (or a bind-mount path) into a path on the host, like PVE::Storage::path. */
export function resolveVolume(storages: Map<string, StorageEntry>, volid: string): ResolvedVolume {
  if (volid.startsWith('/')) return { volname: volid, path: volid };
  const parsed = parseVolumeId(volid);
  if (!parsed) throw new PveError(`unable to parse volume ID '${volid}'`);
  const storage = storages.get(parsed.storeid);
  if (!storage) throw new PveError(`storage '${parsed.storeid}' does not exist`);
  const { volname } = parsed;
  if (volname.startsWith('backup/')) return { storage, volname, path: join(storage.path, 'dump', volname.slice(7)) };
  if (storage.type === 'btrfs') {
    // The sandbox contract's `subvol-<vmid>-disk-N`, and PVE's own `<vmid>/subvol-<vmid>-disk-N.subvol`
    // (BTRFSPlugin inherits DirPlugin's names); both live in images/<vmid>/.
    const m = /^(?:(\d+)\/)?((?:subvol|vm|base)-(\d+)-\S+)$/.exec(volname);
    if (!m) throw new PveError(`unable to parse btrfs volume name '${volname}'`);
    const vmid = m[1] ?? m[3]!;
    return { storage, volname, vmid: Number(vmid), path: join(storage.path, 'images', vmid, m[2]!) };
  }
  if (storage.type === 'dir') {
    const m = /^(\d+)\/((?:subvol|vm|base)-\d+-\S+)$/.exec(volname);
    if (!m) throw new PveError(`unable to parse directory volume name '${volname}'`);
    return { storage, volname, vmid: Number(m[1]), path: join(storage.path, 'images', m[1]!, m[2]!) };
  }
  throw new PveError(`storage type '${storage.type}' is not supported by the sandbox`);
}

/** pve-storage volume_has_feature(..., 'snapshot', ...) for container volumes. */
export function volumeHasSnapshotFeature(storages: Map<string, StorageEntry>, volid: string): boolean {
  if (volid.startsWith('/')) return false;
  const parsed = parseVolumeId(volid);
  const storage = parsed ? storages.get(parsed.storeid) : undefined;
  return storage?.type === 'btrfs';
}

/** Path of a btrfs snapshot of a subvolume volume: `<subvol>@<snap>` beside it. */
export function snapshotPath(volumePath: string, snapname: string): string {
  return `${volumePath}@${snapname}`;
}

/** Volume ids in a config section: rootfs and every mpN (the part before the first comma). */
export function sectionVolumes(keys: Record<string, string>): Array<{ key: string; volid: string }> {
  const out: Array<{ key: string; volid: string }> = [];
  for (const key of Object.keys(keys).sort()) {
    if (key !== 'rootfs' && !/^mp\d+$/.test(key)) continue;
    const value = keys[key]!;
    const first = value.split(',')[0]!;
    const volid = first.startsWith('volume=') ? first.slice(7) : first;
    out.push({ key, volid });
  }
  return out;
}
