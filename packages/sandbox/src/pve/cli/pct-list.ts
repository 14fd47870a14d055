/** `pct list`, kept in its own module so the most frequent call loads the least code. */
import { listVmids, loadConfig } from '../config-store.js';
import { ctName, runningSet } from '../lxc.js';
import { formatPctList } from '../ops/formats.js';
import type { SandboxPaths } from '../sandbox-root.js';

export async function list(paths: SandboxPaths): Promise<number> {
  const vmids = listVmids(paths);
  if (vmids.length === 0) return 0;
  const running = await runningSet(paths);
  const rows = vmids.map((vmid) => {
    const conf = loadConfig(paths, vmid);
    return { vmid, status: running.has(vmid) ? 'running' : 'stopped', lock: conf.keys['lock'] ?? '', name: ctName(conf, vmid) };
  });
  process.stdout.write(formatPctList(rows));
  return 0;
}
