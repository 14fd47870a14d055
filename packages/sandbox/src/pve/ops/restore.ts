/**
 * pct restore from a vzdump archive (pve-container LXC/Create.pm restore_archive): the
 * backed-up pct.conf is read from the archive, a fresh rootfs volume is extracted (inside the
 * user namespace for an unprivileged CT) and the configs are merged.
 */
import { chownSync, existsSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { withConfigLock } from '../config-lock.js';
import { checkLock, configExists, loadConfig, writeConfig } from '../config-store.js';
import { rootfsVolid } from '../create-container.js';
import { ctState, UNPRIV_ID_BASE } from '../lxc.js';
import { run } from '../proc.js';
import { emptyConfig, emptySection, parsePveConfig } from '../pve-config.js';
import { PveError } from '../pve-errors.js';
import { resolveVolume, type StorageEntry, sectionVolumes } from '../storage-cfg.js';
import { createVolumeDir, deleteVolume } from '../volumes.js';
import { COMMON_TAR_FLAGS, decompressorFor, usernsCommand } from './archive.js';
import type { PveContext } from './context.js';

export interface RestoreOptions {
  storage: string;
  force: boolean;
}

function archivePath(ctx: PveContext, archive: string): string {
  if (isAbsolute(archive) || !archive.includes(':')) return resolve(archive);
  return resolveVolume(ctx.storages, archive).path;
}

export async function restoreCt(ctx: PveContext, vmid: number, archive: string, opts: RestoreOptions): Promise<void> {
  const path = archivePath(ctx, archive);
  const storage = ctx.storages.get(opts.storage);
  if (!storage) throw new PveError(`storage '${opts.storage}' does not exist`);
  if (!existsSync(path)) throw new PveError(`unable to find archive '${archive}'`);
  const exists = configExists(ctx.paths, vmid);
  if (exists && !opts.force) throw new PveError(`CT ${vmid} already exists on node '${ctx.paths.node}'`);
  if (exists) {
    if ((await ctState(ctx.paths, vmid)) === 'running') throw new PveError("can't overwrite running container");
    checkLock(loadConfig(ctx.paths, vmid));
  }
  const decomp = decompressorFor(path);
  const tarIn = (extra: string[]) => ['tar', ...(decomp ? [`--use-compress-program=${decomp}`] : []), ...extra];

  // Reserve the vmid with a `create` lock; an overwritten CT keeps nothing but its vmid.
  let oldVolumes: Array<{ volid: string }> = [];
  await withConfigLock(ctx.paths, vmid, () => {
    if (exists) {
      const old = loadConfig(ctx.paths, vmid);
      checkLock(old);
      oldVolumes = [old, ...Object.values(old.snapshots)].flatMap((s) => sectionVolumes(s.keys)).filter((v) => !v.volid.startsWith('/'));
      old.keys['lock'] = 'create';
      writeConfig(ctx.paths, vmid, old);
    } else {
      const conf = emptyConfig();
      conf.keys['lock'] = 'create';
      writeConfig(ctx.paths, vmid, conf);
    }
  });

  try {
    await extractInto(ctx, vmid, archive, path, storage, oldVolumes, tarIn);
  } catch (err) {
    // A failed restore of a new vmid leaves nothing behind (Proxmox destroys what it created).
    if (!exists) {
      const vol = resolveVolume(ctx.storages, rootfsVolid(storage.type, storage.id, vmid));
      await deleteVolume(storage, vol.path).catch(() => undefined);
      rmSync(ctx.paths.confPath(vmid), { force: true });
    }
    throw err;
  }
}

async function extractInto(
  ctx: PveContext,
  vmid: number,
  archive: string,
  path: string,
  storage: StorageEntry,
  oldVolumes: Array<{ volid: string }>,
  tarIn: (extra: string[]) => string[],
): Promise<void> {
  ctx.out(`recovering backed-up configuration from '${archive}'`);
  const confRes = await run(tarIn(['-xpf', path, '--to-stdout', './etc/vzdump/pct.conf']));
  if (confRes.code !== 0) throw new PveError(`unable to read pct.conf from archive '${path}'\n${confRes.stderr.trim()}`);
  const backup = parsePveConfig(confRes.stdout);
  const unprivileged = backup.keys['unprivileged'] === '1';

  for (const volid of new Set(oldVolumes.map((v) => v.volid))) {
    const vol = resolveVolume(ctx.storages, volid);
    await deleteVolume(vol.storage, vol.path);
  }
  const volid = rootfsVolid(storage.type, storage.id, vmid);
  const vol = resolveVolume(ctx.storages, volid);
  if (existsSync(vol.path)) await deleteVolume(storage, vol.path);
  await createVolumeDir(storage, vol.path);
  if (unprivileged) chownSync(vol.path, UNPRIV_ID_BASE, UNPRIV_ID_BASE);

  ctx.out(`restoring '${archive}' now..`);
  ctx.out(`extracting archive '${path}'`);
  const extract = [
    ...usernsCommand(unprivileged),
    ...tarIn(['-xpf', path, '--totals', ...COMMON_TAR_FLAGS, '-C', vol.path, '--skip-old-files', '--anchored', '--exclude', './dev/*']),
  ];
  const res = await run(extract);
  for (const line of res.stderr.split('\n').filter(Boolean)) ctx.out(line);
  if (res.code !== 0) throw new PveError(`command '${extract.join(' ')}' failed: exit code ${res.code}`);
  rmSync(join(vol.path, 'etc/vzdump'), { recursive: true, force: true });
  ctx.out(`Detected container architecture: ${backup.keys['arch'] ?? 'amd64'}`);
  ctx.out('merging backed-up and given configuration..');

  await withConfigLock(ctx.paths, vmid, () => {
    const conf = emptyConfig();
    conf.keys = { ...backup.keys };
    delete conf.keys['lock'];
    delete conf.keys['parent'];
    const size = /(?:^|,)size=([^,]+)/.exec(backup.keys['rootfs'] ?? '')?.[1] ?? (storage.type === 'btrfs' ? '8G' : '0');
    conf.keys['rootfs'] = `${volid},size=${size}`;
    conf.lxc = backup.lxc;
    if (backup.description !== undefined) conf.description = backup.description;
    conf.pending = emptySection();
    writeConfig(ctx.paths, vmid, conf);
  });
}
