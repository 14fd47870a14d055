/**
 * Creating and destroying CTs in the sandbox (what `pct create`/`pct destroy` do on disk):
 * a Proxmox-format conf plus a rootfs volume on the chosen storage.
 */
import { existsSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigLock } from './config-lock.js';
import { configExists, loadConfig, VMID_MAX, VMID_MIN, writeConfig } from './config-store.js';
import { ctState, lxcName, stopCt, UNPRIV_ID_BASE } from './lxc.js';
import { emptyConfig } from './pve-config.js';
import { PveError } from './pve-errors.js';
import type { SandboxPaths } from './sandbox-root.js';
import { loadStorageCfg, resolveVolume, sectionVolumes } from './storage-cfg.js';
import { normalizeTags } from './tags.js';
import { copyTree, createVolumeDir, deleteVolume, shiftOwnership } from './volumes.js';

export interface CreateContainerSpec {
  vmid: number;
  hostname: string;
  tags?: string[];
  unprivileged: boolean;
  storage: 'local-btrfs' | 'local';
  /** A finished rootfs directory to copy. */
  templateDir: string;
  memory?: number;
  cores?: number;
  description?: string;
  rawLxc?: Array<[key: string, value: string]>;
  onboot?: boolean;
  /** Proxmox `features:` (e.g. `nesting=1`), translated to LXC keys at start (lxc.ts featureLines). */
  features?: string;
}

export function rootfsVolid(storageType: string, storeid: string, vmid: number): string {
  return storageType === 'btrfs' ? `${storeid}:subvol-${vmid}-disk-0` : `${storeid}:${vmid}/subvol-${vmid}-disk-0.subvol`;
}

export async function createContainer(paths: SandboxPaths, spec: CreateContainerSpec): Promise<void> {
  const { vmid } = spec;
  if (!Number.isInteger(vmid) || vmid < VMID_MIN || vmid > VMID_MAX) {
    throw new PveError(`invalid vmid ${vmid} (must be an integer from ${VMID_MIN} to ${VMID_MAX})`);
  }
  if (!existsSync(join(spec.templateDir, 'bin')) && !existsSync(join(spec.templateDir, 'usr/bin'))) {
    throw new PveError(`template directory '${spec.templateDir}' does not look like a rootfs`);
  }
  const storages = await loadStorageCfg(paths);
  const storage = storages.get(spec.storage);
  if (!storage) throw new PveError(`storage '${spec.storage}' does not exist`);
  await withConfigLock(paths, vmid, async () => {
    if (configExists(paths, vmid)) throw new PveError(`CT ${vmid} already exists on node '${paths.node}'`);
    const volid = rootfsVolid(storage.type, storage.id, vmid);
    const vol = resolveVolume(storages, volid);
    // Reserve the vmid first with a `create` lock, as pct create does.
    const conf = emptyConfig();
    conf.keys['lock'] = 'create';
    writeConfig(paths, vmid, conf);
    try {
      await createVolumeDir(storage, vol.path);
      await copyTree(spec.templateDir, vol.path);
      if (spec.unprivileged) shiftOwnership(vol.path, UNPRIV_ID_BASE);
      conf.keys = {
        arch: 'amd64',
        cores: String(spec.cores ?? 1),
        hostname: spec.hostname,
        memory: String(spec.memory ?? 512),
        ostype: 'debian',
        rootfs: `${volid},size=${storage.type === 'btrfs' ? '8G' : '0'}`,
        swap: '512',
      };
      if (spec.unprivileged) conf.keys['unprivileged'] = '1';
      if (spec.onboot) conf.keys['onboot'] = '1';
      if (spec.features) conf.keys['features'] = spec.features;
      if (spec.tags && spec.tags.length > 0) conf.keys['tags'] = normalizeTags(spec.tags);
      if (spec.description) conf.description = spec.description.endsWith('\n') ? spec.description : `${spec.description}\n`;
      conf.lxc = spec.rawLxc ? [...spec.rawLxc] : [];
      writeConfig(paths, vmid, conf);
    } catch (err) {
      await deleteVolume(storage, vol.path).catch(() => undefined);
      rmSync(paths.confPath(vmid), { force: true });
      throw err;
    }
  });
}

export async function destroyContainer(paths: SandboxPaths, vmid: number): Promise<void> {
  const storages = await loadStorageCfg(paths);
  await withConfigLock(paths, vmid, async () => {
    const conf = loadConfig(paths, vmid);
    if ((await ctState(paths, vmid)) === 'running') await stopCt(paths, vmid);
    const seen = new Set<string>();
    for (const sec of [conf, ...Object.values(conf.snapshots)]) {
      for (const { volid } of sectionVolumes(sec.keys)) {
        if (volid.startsWith('/') || seen.has(volid)) continue;
        seen.add(volid);
        const vol = resolveVolume(storages, volid);
        await deleteVolume(vol.storage, vol.path);
      }
    }
    rmSync(join(paths.lxcPath, lxcName(vmid)), { recursive: true, force: true });
    unlinkSync(paths.confPath(vmid));
  });
}
