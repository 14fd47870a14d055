/**
 * The sandbox's cluster: R/cluster.json names the cluster and its nodes; which node a container
 * is on is where its config lives (R/etc/pve/nodes/<node>/lxc/<vmid>.conf), as pmxcfs keeps it.
 * No cluster.json = one node, the sandbox as it always was.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listVmids } from './config-store.js';
import { PveError } from './pve-errors.js';
import { type SandboxPaths, sandboxPaths } from './sandbox-root.js';

export interface ClusterNode {
  name: string;
  /** The node's address (the first node: this host's end of the sandbox's cluster bridge). */
  ip: string;
  online: boolean;
}

export interface ClusterState {
  name: string;
  /** The first node is the local one (where the API front and unrot run). */
  nodes: ClusterNode[];
}

/** Proxmox node names are hostnames: letters, digits and inner hyphens. */
const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export const clusterFile = (root: string) => join(root, 'cluster.json');

function fail(root: string, why: string): never {
  throw new PveError(`${clusterFile(root)}: ${why}`);
}

/** R/cluster.json, checked field by field (it is a file anyone with the root can edit); undefined when absent. */
export function readCluster(root: string): ClusterState | undefined {
  let raw: string;
  try {
    raw = readFileSync(clusterFile(root), 'utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    fail(root, `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const d = data as { name?: unknown; nodes?: unknown };
  if (typeof d?.name !== 'string' || !NODE_NAME.test(d.name)) fail(root, "'name' must be a cluster name");
  if (!Array.isArray(d.nodes) || d.nodes.length === 0) fail(root, "'nodes' must be a non-empty list");
  const nodes = d.nodes.map((n: unknown, i): ClusterNode => {
    const e = n as { name?: unknown; ip?: unknown; online?: unknown };
    if (typeof e?.name !== 'string' || !NODE_NAME.test(e.name)) fail(root, `nodes[${i}].name must be a node name`);
    if (typeof e.ip !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(e.ip)) fail(root, `nodes[${i}].ip must be an IPv4 address`);
    if (typeof e.online !== 'boolean') fail(root, `nodes[${i}].online must be true or false`);
    return { name: e.name, ip: e.ip, online: e.online };
  });
  if (new Set(nodes.map((n) => n.name)).size !== nodes.length) fail(root, 'node names must be unique');
  return { name: d.name, nodes };
}

/** Written to a temp file and renamed: a reader sees the old or the new state, never half. */
export function writeCluster(root: string, state: ClusterState): void {
  const file = clusterFile(root);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The paths of the same sandbox seen from another node (its own nodes/<node>/lxc). */
export function nodePaths(paths: SandboxPaths, node: string): SandboxPaths {
  return node === paths.node ? paths : sandboxPaths({ UNROT_SANDBOX_ROOT: paths.root, UNROT_SANDBOX_NODE: node });
}

/** The node a container's config is on, or undefined. */
export function nodeOf(paths: SandboxPaths, cluster: ClusterState, vmid: number): string | undefined {
  return cluster.nodes.find((n) => existsSync(nodePaths(paths, n.name).confPath(vmid)))?.name;
}

/** Every container of the cluster with its node, by vmid. */
export function placement(paths: SandboxPaths, cluster: ClusterState): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of cluster.nodes) for (const vmid of listVmids(nodePaths(paths, n.name))) out.set(vmid, n.name);
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/**
 * Moves a container to `target` the way a finished migration leaves it: its config in the
 * target node's directory. The LXC container itself is shared by all sandbox nodes, so it keeps
 * running; a real migration of a running CT would restart it there (`--restart`).
 */
export function migrate(paths: SandboxPaths, cluster: ClusterState, vmid: number, target: string): { from: string; to: string } {
  if (!cluster.nodes.some((n) => n.name === target)) throw new PveError(`no such cluster node '${target}'`);
  const from = nodeOf(paths, cluster, vmid);
  if (from === undefined) throw new PveError(`Configuration file 'nodes/${paths.node}/lxc/${vmid}.conf' does not exist`);
  // QemuMigrate/LXC Migrate: "target is local node."
  if (from === target) throw new PveError('target is local node.');
  const to = nodePaths(paths, target);
  mkdirSync(to.confDir, { recursive: true });
  renameSync(nodePaths(paths, from).confPath(vmid), to.confPath(vmid));
  return { from, to: target };
}
