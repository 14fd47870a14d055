import type { ContainerInfo } from '@unrot/sdk';
import type { ContainerReport } from '../lifecycle/container-result.js';

/** The fields every container report opens with: which container, as the run found it. */
export function containerHeader(ct: ContainerInfo): Pick<ContainerReport, 'vmid' | 'name' | 'status' | 'unprivileged' | 'tags' | 'node'> {
  return {
    vmid: ct.vmid,
    name: ct.name,
    status: ct.status,
    unprivileged: ct.unprivileged,
    tags: ct.tags,
    ...(ct.node !== undefined ? { node: ct.node } : {}),
  };
}
