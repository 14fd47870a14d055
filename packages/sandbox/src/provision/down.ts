import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { stopApiServer } from '../pve/api/daemon.js';
import { type ClusterState, placement, readCluster } from '../pve/cluster.js';
import { listVmids } from '../pve/config-store.js';
import { ctState, stopCt } from '../pve/lxc.js';
import { removeCluster } from './cluster-nodes.js';
import { run } from './run.js';
import { SERVER_NAMES, stopServer } from './servers.js';
import type { SandboxSettings } from './settings.js';
import { readState } from './state.js';
import { mountsUnder } from './storage.js';

export interface DownResult {
  stopped: number[];
  servers: string[];
  unmounted: string[];
  removedRoot: boolean;
  purgedCache: boolean;
  /** Cluster nodes whose namespace, veth and sshd were removed. */
  clusterNodes: string[];
}

function readClusterOrUndefined(root: string): ClusterState | undefined {
  try {
    return readCluster(root);
  } catch {
    return undefined; // a damaged cluster.json must not stop down
  }
}

/** R is removed wholesale, so refuse anything that does not look like a sandbox root. */
function assertSandboxRoot(root: string, s: SandboxSettings): void {
  const r = resolve(root);
  if (r === '/' || r.split('/').filter(Boolean).length < 2) throw new UnrotError('E_CONFIG', `refusing to remove '${r}' as a sandbox root`);
  if (!existsSync(s.stateFile) && !existsSync(s.paths.storageCfg) && !existsSync(resolve(r, 'storage'))) {
    throw new UnrotError('E_CONFIG', `'${r}' does not look like a sandbox root (no sandbox.json, etc/pve/storage.cfg or storage/)`);
  }
}

/**
 * Removes everything `up` made: stops the CTs (their rootfs and snapshots live in the btrfs
 * image, which goes with R), the HTTP servers, every mount under R, then R itself.
 * The template cache is kept unless `purge`.
 */
export async function down(
  s: SandboxSettings,
  options: { purge?: boolean } = {},
  log: (line: string) => void = () => {},
): Promise<DownResult> {
  const { paths } = s;
  const result: DownResult = { stopped: [], servers: [], unmounted: [], removedRoot: false, purgedCache: false, clusterNodes: [] };
  if (existsSync(paths.root)) {
    assertSandboxRoot(paths.root, s);
    const state = await readState(s.stateFile);
    // A cluster's containers may sit on any node's directory; their LXC containers are all here.
    const cluster = readClusterOrUndefined(paths.root);
    const onNodes = cluster ? [...placement(paths, cluster).keys()] : [];
    const vmids = new Set([...(state?.containers.map((c) => c.vmid) ?? []), ...listVmids(paths), ...onNodes]);
    for (const vmid of vmids) {
      if ((await ctState(paths, vmid)) === 'running') {
        log(`stopping CT ${vmid}`);
        await stopCt(paths, vmid);
        result.stopped.push(vmid);
      }
    }
    for (const name of SERVER_NAMES) {
      if (await stopServer(s.serverRunDir, name)) {
        log(`stopped the ${name} server`);
        result.servers.push(name);
      }
    }
    if (await stopApiServer(paths)) result.servers.push('api');
    result.clusterNodes = await removeCluster(paths, process.env, log);
    for (const mount of await mountsUnder(paths.root)) {
      log(`unmounting ${mount}`);
      await run(['umount', mount]);
      result.unmounted.push(mount);
    }
    await rm(paths.root, { recursive: true, force: true });
    result.removedRoot = true;
  }
  if (options.purge && existsSync(s.cacheDir)) {
    log(`removing the template cache ${s.cacheDir}`);
    await rm(s.cacheDir, { recursive: true, force: true });
    result.purgedCache = true;
  }
  return result;
}
