import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import type { SandboxPaths } from '../pve/sandbox-root.js';
import { defaultStorageCfg } from '../pve/storage-cfg.js';
import { run } from './run.js';

/** Sparse, so the size is an upper bound, not disk used. */
export const DEFAULT_BTRFS_SIZE = '16G';

export function btrfsImage(paths: SandboxPaths): string {
  return join(paths.root, 'storage', 'btrfs.img');
}

/** Mount points under `prefix` from /proc/self/mountinfo (field 5), deepest first so they unmount cleanly. */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const base = resolve(prefix);
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === base || p.startsWith(`${base}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function isMountPoint(dir: string): Promise<boolean> {
  return (await mountsUnder(dir)).includes(resolve(dir));
}

/**
 * Makes both storages of storage.cfg real: `local-btrfs` is a btrfs filesystem in a sparse image
 * file, loop-mounted (so snapshots are real btrfs snapshots); `local` is a plain directory.
 */
export async function ensureStorage(
  paths: SandboxPaths,
  size = process.env['UNROT_SANDBOX_BTRFS_SIZE'] || DEFAULT_BTRFS_SIZE,
): Promise<void> {
  await assertTraversable(dirname(resolve(paths.root)));
  await mkdir(paths.root, { recursive: true });
  await chmod(paths.root, 0o755);
  await mkdir(paths.btrfsPath, { recursive: true });
  await mkdir(join(paths.dirPath, 'images'), { recursive: true });
  await mkdir(paths.dumpDir, { recursive: true });
  await mkdir(paths.confDir, { recursive: true });
  await mkdir(paths.lxcPath, { recursive: true });
  await mkdir(paths.lockDir, { recursive: true });
  const image = btrfsImage(paths);
  if (!existsSync(image)) {
    await run(['truncate', '-s', size, `${image}.partial`]);
    await run(['mkfs.btrfs', '-q', `${image}.partial`]);
    await run(['mv', `${image}.partial`, image]);
  }
  if (!(await isMountPoint(paths.btrfsPath))) await run(['mount', '-o', 'loop', image, paths.btrfsPath]);
  await mkdir(join(paths.btrfsPath, 'images'), { recursive: true });
  for (const dir of [join(paths.root, 'storage'), paths.btrfsPath, join(paths.btrfsPath, 'images')]) await chmod(dir, 0o755);
  if (!existsSync(paths.storageCfg)) {
    await mkdir(dirname(paths.storageCfg), { recursive: true });
    await writeFile(paths.storageCfg, defaultStorageCfg(paths));
  }
}

/** An unprivileged CT's root (uid 100000 on the host) must traverse every directory above its rootfs. */
export async function assertTraversable(dir: string): Promise<void> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch(() => undefined);
    if (st && (st.mode & 0o001) === 0) {
      throw new UnrotError(
        'E_CONFIG',
        `'${d}' is not traversable by others (o+x); unprivileged containers under it cannot start - chmod o+x it or pick another UNROT_SANDBOX_ROOT`,
      );
    }
    if (d === '/') return;
  }
}
