import { hostname } from 'node:os';
import { join } from 'node:path';

/** Where everything of one sandbox lives; all paths derive from the root so `down` can remove it all. */
export interface SandboxPaths {
  root: string;
  node: string;
  /** R/etc/pve/nodes/<node>/lxc */
  confDir: string;
  /** lxcpath for lxc-* -P */
  lxcPath: string;
  /** R/run/lock/lxc (pve-config-<vmid>.lock) */
  lockDir: string;
  storageCfg: string;
  btrfsPath: string;
  dirPath: string;
  dumpDir: string;
  confPath(vmid: number): string;
}

export const DEFAULT_SANDBOX_ROOT = '/var/lib/unrot-sandbox';

export function nodeName(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['UNROT_SANDBOX_NODE'];
  if (fromEnv) return fromEnv;
  return hostname().split('.')[0] ?? 'localhost';
}

export function sandboxPaths(env: NodeJS.ProcessEnv = process.env): SandboxPaths {
  const root = env['UNROT_SANDBOX_ROOT'] || DEFAULT_SANDBOX_ROOT;
  const node = nodeName(env);
  const confDir = join(root, 'etc/pve/nodes', node, 'lxc');
  return {
    root,
    node,
    confDir,
    lxcPath: join(root, 'lxc'),
    lockDir: join(root, 'run/lock/lxc'),
    storageCfg: join(root, 'etc/pve/storage.cfg'),
    btrfsPath: join(root, 'storage/btrfs'),
    dirPath: join(root, 'storage/dir'),
    dumpDir: join(root, 'storage/dir/dump'),
    confPath: (vmid: number) => join(confDir, `${vmid}.conf`),
  };
}
