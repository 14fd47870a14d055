/**
 * The sandbox's other cluster nodes: each a network namespace joined to this host by a veth pair
 * on a bridge of the sandbox's own /24, running its own sshd (Debian's openssh-server) with its
 * own host key. This host is the first node (.1 on the bridge). A node's sshd gives every session
 * the sandbox's root and the node's name (SetEnv), so `pct` run over ssh answers as that node.
 * Layout: R/root/.ssh/id_ed25519 (the key every node trusts, as root's key on a Proxmox node),
 * R/etc/pve/priv/{authorized_keys,known_hosts} (known_hosts by node name, as Proxmox writes it),
 * R/cluster/nodes/<node>/{sshd_config,ssh_host_ed25519_key,sshd.pid,sshd.log}.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnrotError } from '@unrot/sdk';
import { type ClusterState, clusterFile, readCluster, writeCluster } from '../pve/cluster.js';
import { listVmids } from '../pve/config-store.js';
import { type SandboxPaths, sandboxPaths } from '../pve/sandbox-root.js';
import { run } from './run.js';

const SANDBOX_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin');
const SSHD = '/usr/sbin/sshd';
const NSENTER = '/usr/bin/nsenter';

/** The sandbox's cluster network, `A.B.C.0/24` from UNROT_SANDBOX_CLUSTER_NET (default 10.77.0.0/24). */
export interface ClusterNet {
  /** `A.B.C` */
  prefix: string;
  /** Interface and namespace names carry B and C, so two sandboxes on two /24s never share one. */
  bridge: string;
  netnsPrefix: string;
  /**
   * A name for this host's own network namespace (`ip netns attach`), where LXC runs the
   * sandbox's containers: node sessions enter it (see sshdConfig).
   */
  hostNetns: string;
}

export function clusterNet(env: NodeJS.ProcessEnv = process.env): ClusterNet {
  const raw = env['UNROT_SANDBOX_CLUSTER_NET'] || '10.77.0.0/24';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(raw);
  if (!m || [m[1], m[2], m[3]].some((o) => Number(o) > 255)) {
    throw new UnrotError('E_CONFIG', `UNROT_SANDBOX_CLUSTER_NET must be a /24 such as 10.77.0.0/24, got '${raw}'`);
  }
  const tag = `${m[2]}-${m[3]}`;
  return { prefix: `${m[1]}.${m[2]}.${m[3]}`, bridge: `ucb${tag}`, netnsPrefix: `unrot-c${tag}-`, hostNetns: `unrot-h${tag}` };
}

export interface NodeFiles {
  dir: string;
  config: string;
  hostKey: string;
  pidFile: string;
  log: string;
}

export const clientKey = (root: string) => join(root, 'root/.ssh/id_ed25519');
export const knownHostsFile = (root: string) => join(root, 'etc/pve/priv/known_hosts');
export const authorizedKeysFile = (root: string) => join(root, 'etc/pve/priv/authorized_keys');

export function nodeFiles(root: string, node: string): NodeFiles {
  const dir = join(root, 'cluster/nodes', node);
  return {
    dir,
    config: join(dir, 'sshd_config'),
    hostKey: join(dir, 'ssh_host_ed25519_key'),
    pidFile: join(dir, 'sshd.pid'),
    log: join(dir, 'sshd.log'),
  };
}

const netnsName = (net: ClusterNet, node: string) => `${net.netnsPrefix}${node}`;
/** Host end of a node's veth: the node's host number keeps it within IFNAMSIZ. */
const vethName = (net: ClusterNet, ip: string) => `${net.bridge}-${ip.split('.')[3]}`;

async function linkExists(name: string): Promise<boolean> {
  return (await run(['ip', 'link', 'show', 'dev', name], { okExitCodes: [0, 1] })).exitCode === 0;
}

async function netnsList(): Promise<string[]> {
  const out = (await run(['ip', 'netns', 'list'])).stdout;
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** The cluster state, made with this host as its only node when there is none yet. */
async function ensureCluster(paths: SandboxPaths, net: ClusterNet): Promise<ClusterState> {
  const existing = readCluster(paths.root);
  if (!existing && !(await linkExists(net.bridge))) {
    await run(['ip', 'link', 'add', net.bridge, 'type', 'bridge']);
    await run(['ip', 'addr', 'add', `${net.prefix}.1/24`, 'dev', net.bridge]);
    await run(['ip', 'link', 'set', net.bridge, 'up']);
  }
  if (!(await netnsList()).includes(net.hostNetns)) await run(['ip', 'netns', 'attach', net.hostNetns, String(process.pid)]);
  // pmxcfs's lock directory, where cluster-wide locks (unrot's run lock among them) are taken.
  mkdirSync(join(paths.root, 'etc/pve/priv/lock'), { recursive: true, mode: 0o700 });
  if (existing) return existing;
  const state: ClusterState = { name: 'unrot-sandbox', nodes: [{ name: paths.node, ip: `${net.prefix}.1`, online: true }] };
  writeCluster(paths.root, state);
  return state;
}

async function ensureClientKey(root: string): Promise<void> {
  const key = clientKey(root);
  if (!existsSync(key)) {
    mkdirSync(dirname(key), { recursive: true, mode: 0o700 });
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'root@unrot-sandbox', '-f', key]);
  }
  mkdirSync(dirname(authorizedKeysFile(root)), { recursive: true, mode: 0o700 });
  writeFileSync(authorizedKeysFile(root), readFileSync(`${key}.pub`, 'utf8'), { mode: 0o600 });
}

/** SetEnv values are written unquoted: only the sandbox's own variables with plain values pass. */
function sessionEnv(paths: SandboxPaths, node: string, env: NodeJS.ProcessEnv): string[] {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('UNROT_SANDBOX_') && v !== undefined) vars[k] = v;
  vars['UNROT_SANDBOX_ROOT'] = paths.root;
  vars['UNROT_SANDBOX_NODE'] = node;
  vars['PATH'] = `${SANDBOX_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`;
  return Object.entries(vars)
    .filter(([, v]) => /^[\w.:/,@+=-]*$/.test(v))
    .map(([k, v]) => `${k}=${v}`);
}

function sshdConfig(paths: SandboxPaths, net: ClusterNet, node: string, ip: string, f: NodeFiles, env: NodeJS.ProcessEnv): string {
  return [
    `# sshd of sandbox node ${node} (network namespace); written by unrot-sandbox cluster add-node`,
    `ListenAddress ${ip}`,
    'Port 22',
    `HostKey ${f.hostKey}`,
    `PidFile ${f.pidFile}`,
    `AuthorizedKeysFile ${authorizedKeysFile(paths.root)}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The sandbox root's directories are not sshd's business (it is root-owned anyway).
    'StrictModes no',
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PrintMotd no',
    'PrintLastLog no',
    `SetEnv ${sessionEnv(paths, node, env).join(' ')}`,
    // The sandbox's containers all live in this host's network namespace, and lxc-attach/lxc-info
    // reach a container's monitor through an abstract socket, which is per namespace. A session
    // runs its command there, as a real node's sshd runs it where that node's containers are;
    // root's shell still parses the command exactly as the client sent it.
    `ForceCommand exec ${NSENTER} --net=/run/netns/${net.hostNetns} -- /bin/bash -c "$SSH_ORIGINAL_COMMAND"`,
    '',
  ].join('\n');
}

/** Rewrites known_hosts: one `<node> <host key>` line per netns node, as /etc/pve/priv/known_hosts. */
function writeKnownHosts(root: string, cluster: ClusterState, local: string): void {
  const lines: string[] = [];
  for (const n of cluster.nodes) {
    if (n.name === local) continue;
    const pub = `${nodeFiles(root, n.name).hostKey}.pub`;
    if (!existsSync(pub)) continue;
    const [type, key] = readFileSync(pub, 'utf8').trim().split(/\s+/);
    lines.push(`${n.name} ${type} ${key}`);
  }
  mkdirSync(dirname(knownHostsFile(root)), { recursive: true, mode: 0o700 });
  writeFileSync(knownHostsFile(root), lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
}

/** The running sshd of a node, or undefined: its pid file's pid, if that process is our sshd with our config. */
function sshdPid(f: NodeFiles): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(f.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  try {
    // sshd sets its title to `sshd: /usr/sbin/sshd -f CONFIG … [listener] …` (one string).
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(` -f ${f.config} `) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function startSshd(net: ClusterNet, node: string, f: NodeFiles): Promise<void> {
  if (sshdPid(f) !== undefined) return;
  // sshd's privilege separation directory (Debian's unit makes it at boot).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  await run(['ip', 'netns', 'exec', netnsName(net, node), SSHD, '-f', f.config, '-E', f.log]);
  // sshd writes its pid file once it listens; wait for it.
  for (let i = 0; i < 100 && sshdPid(f) === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  if (sshdPid(f) === undefined) {
    const log = existsSync(f.log) ? readFileSync(f.log, 'utf8').trim().slice(-1000) : '';
    throw new UnrotError('E_EXEC_FAILED', `sshd of node ${node} did not start: ${log || 'no log'}`);
  }
}

async function stopSshd(f: NodeFiles): Promise<boolean> {
  const pid = sshdPid(f);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    if (!existsSync(`/proc/${pid}`)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(f.pidFile, { force: true });
  return true;
}

function setOnline(root: string, node: string, online: boolean): ClusterState {
  const cluster = requireCluster(root);
  const next = { ...cluster, nodes: cluster.nodes.map((n) => (n.name === node ? { ...n, online } : n)) };
  writeCluster(root, next);
  return next;
}

function requireCluster(root: string): ClusterState {
  const c = readCluster(root);
  if (!c) throw new UnrotError('E_CONFIG', `${root} has no cluster (no cluster.json); add a node first`);
  return c;
}

function requireNetnsNode(cluster: ClusterState, paths: SandboxPaths, node: string) {
  const n = cluster.nodes.find((x) => x.name === node);
  if (!n) throw new UnrotError('E_CONFIG', `no node '${node}' in the sandbox's cluster (${cluster.nodes.map((x) => x.name).join(', ')})`);
  if (n.name === paths.node) throw new UnrotError('E_CONFIG', `'${node}' is this host (the local node); it has no namespace or sshd`);
  return n;
}

export interface AddedNode {
  node: string;
  ip: string;
  netns: string;
}

/** Adds node `node`: its namespace, veth, address, host key, sshd, and its line in known_hosts. */
export async function addNode(paths: SandboxPaths, node: string, env: NodeJS.ProcessEnv = process.env): Promise<AddedNode> {
  const net = clusterNet(env);
  if (!/^[a-z][a-z0-9-]{0,14}$/i.test(node))
    throw new UnrotError('E_CONFIG', `node name '${node}' must be a short hostname (letters, digits, '-')`);
  const cluster = await ensureCluster(paths, net);
  if (cluster.nodes.some((n) => n.name === node)) throw new UnrotError('E_CONFIG', `node '${node}' already exists`);
  const used = new Set(cluster.nodes.map((n) => Number(n.ip.split('.')[3])));
  let host = 2;
  while (used.has(host)) host++;
  if (host > 254) throw new UnrotError('E_CONFIG', 'the cluster network has no free address');
  const ip = `${net.prefix}.${host}`;
  const ns = netnsName(net, node);
  const veth = vethName(net, ip);
  await run(['ip', 'netns', 'add', ns]);
  await run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await run(['ip', 'link', 'set', veth, 'master', net.bridge, 'up']);
  await run(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  await ensureClientKey(paths.root);
  const f = nodeFiles(paths.root, node);
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  if (!existsSync(f.hostKey)) await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${node}`, '-f', f.hostKey]);
  writeFileSync(f.config, sshdConfig(paths, net, node, ip, f, env));
  await run([SSHD, '-t', '-f', f.config]);
  const next: ClusterState = { ...cluster, nodes: [...cluster.nodes, { name: node, ip, online: true }] };
  writeCluster(paths.root, next);
  writeKnownHosts(paths.root, next, paths.node);
  await startSshd(net, node, f);
  return { node, ip, netns: ns };
}

/**
 * A node "offline": its sshd stops and the cluster state marks it offline (its guests `unknown`).
 * With `sshdOnly` the cluster still counts it online: ssh fails while the API answers, as when a
 * node's network breaks between corosync's checks.
 */
export async function stopNode(paths: SandboxPaths, node: string, opts: { sshdOnly?: boolean } = {}): Promise<void> {
  requireNetnsNode(requireCluster(paths.root), paths, node);
  await stopSshd(nodeFiles(paths.root, node));
  if (!opts.sshdOnly) setOnline(paths.root, node, false);
}

export async function startNode(paths: SandboxPaths, node: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  requireNetnsNode(requireCluster(paths.root), paths, node);
  await startSshd(clusterNet(env), node, nodeFiles(paths.root, node));
  setOnline(paths.root, node, true);
}

/** Removes a node that holds no containers (Proxmox's `pvecm delnode` wants it empty too). */
export async function removeNode(paths: SandboxPaths, node: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cluster = requireCluster(paths.root);
  const n = requireNetnsNode(cluster, paths, node);
  const guests = listVmids(sandboxPaths({ UNROT_SANDBOX_ROOT: paths.root, UNROT_SANDBOX_NODE: node }));
  if (guests.length > 0) throw new UnrotError('E_CONFIG', `node '${node}' still has containers ${guests.join(', ')}; migrate them first`);
  const net = clusterNet(env);
  await removeNodeNet(net, paths.root, node, n.ip);
  const next = { ...cluster, nodes: cluster.nodes.filter((x) => x.name !== node) };
  writeCluster(paths.root, next);
  writeKnownHosts(paths.root, next, paths.node);
}

async function removeNodeNet(net: ClusterNet, root: string, node: string, ip: string): Promise<void> {
  await stopSshd(nodeFiles(root, node));
  const veth = vethName(net, ip);
  if (await linkExists(veth)) await run(['ip', 'link', 'del', veth]);
  if ((await netnsList()).includes(netnsName(net, node))) await run(['ip', 'netns', 'del', netnsName(net, node)]);
  rmSync(nodeFiles(root, node).dir, { recursive: true, force: true });
}

/**
 * `down`: every node's sshd, veth and namespace, and the bridge. Namespaces and sshds are found
 * by name and pid file as well as through cluster.json, so a damaged state file leaves nothing behind.
 */
export async function removeCluster(
  paths: SandboxPaths,
  env: NodeJS.ProcessEnv = process.env,
  log: (l: string) => void = () => {},
): Promise<string[]> {
  const root = paths.root;
  // A sandbox that never had a cluster owns no bridge or namespace (another sandbox may use this /24).
  if (!existsSync(join(root, 'cluster')) && !existsSync(clusterFile(root))) return [];
  const net = clusterNet(env);
  const removed: string[] = [];
  let cluster: ClusterState | undefined;
  try {
    cluster = readCluster(root);
  } catch {
    cluster = undefined; // damaged: the sweep below still finds everything by name
  }
  for (const n of cluster?.nodes ?? []) {
    if (n.name === paths.node) continue;
    await removeNodeNet(net, root, n.name, n.ip);
    removed.push(n.name);
  }
  const nodesDir = join(root, 'cluster/nodes');
  for (const name of existsSync(nodesDir) ? readdirSync(nodesDir) : []) await stopSshd(nodeFiles(root, name));
  for (const ns of await netnsList()) {
    // The host's own namespace is only unnamed here (its bind mount goes; the namespace stays).
    if (ns === net.hostNetns) await run(['ip', 'netns', 'del', ns]);
    if (!ns.startsWith(net.netnsPrefix)) continue;
    await run(['ip', 'netns', 'del', ns]);
    removed.push(ns.slice(net.netnsPrefix.length));
  }
  for (const link of await bridgePorts(net)) await run(['ip', 'link', 'del', link]);
  if (await linkExists(net.bridge)) await run(['ip', 'link', 'del', net.bridge]);
  if (removed.length > 0) log(`removed cluster nodes ${[...new Set(removed)].join(', ')}`);
  return [...new Set(removed)];
}

/** Host ends of veths still named for this cluster network (their namespace may be gone already). */
async function bridgePorts(net: ClusterNet): Promise<string[]> {
  const out = (await run(['ip', '-o', 'link', 'show'])).stdout;
  return [...out.matchAll(/^\d+: ([^:@\s]+)/gm)].map((m) => m[1] ?? '').filter((n) => n.startsWith(`${net.bridge}-`));
}

export interface NodeStatus {
  name: string;
  ip: string;
  online: boolean;
  local: boolean;
  sshd: boolean;
  containers: number[];
}

export function clusterStatus(paths: SandboxPaths): { name: string; nodes: NodeStatus[] } | undefined {
  const cluster = readCluster(paths.root);
  if (!cluster) return undefined;
  return {
    name: cluster.name,
    nodes: cluster.nodes.map((n) => ({
      ...n,
      local: n.name === paths.node,
      sshd: n.name !== paths.node && sshdPid(nodeFiles(paths.root, n.name)) !== undefined,
      containers: listVmids(sandboxPaths({ UNROT_SANDBOX_ROOT: paths.root, UNROT_SANDBOX_NODE: n.name })),
    })),
  };
}
