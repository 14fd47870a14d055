/**
 * `unrot-sandbox cluster …`: the sandbox as a Proxmox cluster (docs/sandbox.md "Cluster").
 *   add-node NODE | remove-node NODE     a network-namespace node with its own sshd
 *   stop-node NODE | start-node NODE     its sshd off/on and the node offline/online
 *   stop-sshd NODE                       its sshd off, the node still online (ssh fails, the API answers)
 *   migrate VMID NODE                    the container's config moves to NODE
 *   status [--json]
 */

import { addNode, clusterStatus, removeNode, startNode, stopNode } from '../provision/cluster-nodes.js';
import { migrate, readCluster } from '../pve/cluster.js';
import { sandboxPaths } from '../pve/sandbox-root.js';

export const CLUSTER_USAGE = `usage: unrot-sandbox cluster add-node NODE | remove-node NODE | stop-node NODE | start-node NODE | stop-sshd NODE
       unrot-sandbox cluster migrate VMID NODE | status [--json]
`;

export async function clusterMain(args: readonly string[], out: (s: string) => void): Promise<number> {
  const [cmd, a, b, ...extra] = args;
  const paths = sandboxPaths();
  const one = a !== undefined && b === undefined && extra.length === 0;
  if (cmd === 'add-node' && one) {
    const n = await addNode(paths, a);
    out(`added node ${n.node} at ${n.ip} (network namespace ${n.netns})\n`);
    return 0;
  }
  if (cmd === 'remove-node' && one) {
    await removeNode(paths, a);
    out(`removed node ${a}\n`);
    return 0;
  }
  if (cmd === 'stop-node' && one) {
    await stopNode(paths, a);
    out(`node ${a} offline (sshd stopped)\n`);
    return 0;
  }
  if (cmd === 'stop-sshd' && one) {
    await stopNode(paths, a, { sshdOnly: true });
    out(`node ${a}: sshd stopped (the cluster still counts it online)\n`);
    return 0;
  }
  if (cmd === 'start-node' && one) {
    await startNode(paths, a);
    out(`node ${a} online (sshd started)\n`);
    return 0;
  }
  if (cmd === 'migrate' && a !== undefined && b !== undefined && extra.length === 0 && /^\d+$/.test(a)) {
    const cluster = readCluster(paths.root);
    if (!cluster) throw new Error(`${paths.root} has no cluster (no cluster.json); add a node first`);
    const r = migrate(paths, cluster, Number(a), b);
    out(`CT ${a} migrated from ${r.from} to ${r.to}\n`);
    return 0;
  }
  if (cmd === 'status' && (a === undefined || (a === '--json' && b === undefined))) {
    const st = clusterStatus(paths);
    if (a === '--json') out(`${JSON.stringify(st ?? null)}\n`);
    else if (!st) out('no cluster (one node)\n');
    else {
      out(`cluster ${st.name}\n`);
      for (const n of st.nodes) {
        const state = n.local ? 'local' : `${n.online ? 'online' : 'offline'}, sshd ${n.sshd ? 'running' : 'stopped'}`;
        out(`${n.name.padEnd(16)} ${n.ip.padEnd(15)} ${state.padEnd(26)} CTs ${n.containers.join(' ') || '-'}\n`);
      }
    }
    return 0;
  }
  process.stderr.write(CLUSTER_USAGE);
  return 2;
}
