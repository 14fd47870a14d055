/**
 * The per-CT config flock (Proxmox lock_config: /run/lock/lxc/pve-config-<vmid>.lock, 10 s).
 * Node has no flock(2), so a `flock -w 10 3` child locks our open file description, which
 * stays locked after the child exits for as long as we keep the fd open (flock locks belong
 * to the open file description). Other tools that flock the same path see the same lock.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { PveError } from './pve-errors.js';
import type { SandboxPaths } from './sandbox-root.js';

export function configLockPath(paths: SandboxPaths, vmid: number): string {
  return join(paths.lockDir, `pve-config-${vmid}.lock`);
}

export async function withConfigLock<T>(paths: SandboxPaths, vmid: number, fn: () => Promise<T> | T, timeoutSec = 10): Promise<T> {
  const path = configLockPath(paths, vmid);
  mkdirSync(paths.lockDir, { recursive: true });
  const fd = openSync(path, 'a');
  try {
    const res = spawnSync('flock', ['-w', String(timeoutSec), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    if (res.error) throw new PveError(`can't lock file '${path}' - ${res.error.message}`);
    if (res.status !== 0) throw new PveError(`can't lock file '${path}' - got timeout`);
    return await fn();
  } finally {
    // Closing our only reference to the description releases the lock.
    closeSync(fd);
  }
}
