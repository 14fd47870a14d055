/** vmstatus of one or all CTs with their live state (pvesh /nodes/<node>/lxc[/<vmid>/status/current], the API). */
import { listVmids, loadConfig } from '../config-store.js';
import { ctPid, ctState, runningSet } from '../lxc.js';
import type { SandboxPaths } from '../sandbox-root.js';
import { type VmStatus, vmStatus } from './vmstatus.js';

export async function containerStatuses(paths: SandboxPaths): Promise<VmStatus[]> {
  const vmids = listVmids(paths);
  if (vmids.length === 0) return [];
  const running = await runningSet(paths);
  const out: VmStatus[] = [];
  for (const vmid of vmids) {
    const conf = loadConfig(paths, vmid);
    const isRunning = running.has(vmid);
    out.push(vmStatus(vmid, conf, isRunning, isRunning ? await ctPid(paths, vmid) : undefined));
  }
  return out;
}

/** Throws the "Configuration file … does not exist" PveError for an unknown CT. */
export async function containerStatus(paths: SandboxPaths, vmid: number): Promise<VmStatus> {
  const conf = loadConfig(paths, vmid);
  const isRunning = (await ctState(paths, vmid)) === 'running';
  return vmStatus(vmid, conf, isRunning, isRunning ? await ctPid(paths, vmid) : undefined);
}
