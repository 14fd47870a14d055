#!/usr/bin/env node
// The simulated host's Proxmox API for `bench/fleet.mjs --host api`: the sandbox's API front
// (packages/sandbox/dist/pve/api: HTTPS, token auth, permissions, UPIDs, task logs — the same
// code the sandbox serves) over a backend of simulated containers, like fleet/pct for the CLI.
// Every container is running and unlocked; snapshot tasks are instant; vzdump/restore are not
// simulated. Runs as its own process so its CPU is not counted as the engine's.
// Usage: api-host.mjs BINDIR   (the simulated host's bin/ from fleet.mjs: pvesh-lxc.json, api/ with certs and
// tokens, and with `--nodes` cluster.json: the nodes and which containers each holds). Prints {"port":N} once
// listening; on SIGTERM writes HOSTDIR/api-calls.json (requests by method and path pattern, and this
// process's CPU) and exits. With cluster.json it answers as that cluster (/cluster/status,
// /cluster/resources, /nodes/{node}/… per node): one backend per node, the first node is this one.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '../../packages/sandbox/dist/pve');
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { startApiServer } = await load('api/server.js');
const { loadTokens } = await load('api/tokens.js');
const { certPaths } = await load('api/tls.js');

const hostDir = process.argv[2];
const paths = { root: join(hostDir, 'api'), node: 'pve' };
const fleet = JSON.parse(readFileSync(join(hostDir, 'pvesh-lxc.json'), 'utf8'));
/** `--nodes`: { name, nodes: [{ name, ip, local }], placement: { vmid: node } }; absent: one node, pve. */
const clusterFile = join(hostDir, 'cluster.json');
const cluster = existsSync(clusterFile) ? JSON.parse(readFileSync(clusterFile, 'utf8')) : undefined;
/** vmid → Map(name → {snaptime, description, parent}); `parent` of the CT itself under '' (vmids are unique across nodes) */
const snapshots = new Map();
const parents = new Map();
const instant = (type, vmid, work) => ({ type, id: String(vmid), work: async () => work() });

/** The backend of one node: its own containers, the same storages and status as every other node. */
function nodeBackend(node, members) {
  const byVmid = new Map(members.map((c) => [c.vmid, c]));
  function ct(vmid) {
    const c = byVmid.get(vmid);
    if (!c) throw new Error(`Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist`);
    return c;
  }
  const backend = {
    node,
    vmids: () => [...byVmid.keys()],
    containers: async () =>
      members.map((c) => ({ ...c, maxswap: 536870912, swap: 0, disk: 0, netin: 0, netout: 0, diskread: 0, diskwrite: 0 })),
    containerStatus: async (vmid) => ({
      ...ct(vmid),
      maxswap: 536870912,
      swap: 0,
      disk: 0,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
    }),
    config: async (vmid) => {
      ct(vmid);
      const conf = {
        arch: 'amd64',
        hostname: `ct${vmid}`,
        memory: 512,
        ostype: 'debian',
        rootfs: `local-zfs:subvol-${vmid}-disk-0,size=8G`,
        swap: 512,
        tags: 'bench',
      };
      if (parents.get(vmid)) conf.parent = parents.get(vmid);
      return { ...conf, digest: '0000000000000000000000000000000000000000' };
    },
    pending: async (vmid) => {
      const { digest: _d, ...conf } = await backend.config(vmid);
      return Object.entries(conf).map(([key, value]) => ({ key, value }));
    },
    storageContent: async () => [],
    snapshots: async (vmid) => {
      ct(vmid);
      const list = [...(snapshots.get(vmid) ?? new Map()).entries()].map(([name, s]) => ({ name, ...s }));
      const current = { name: 'current', description: 'You are here!', running: 1, digest: '0000000000000000000000000000000000000000' };
      if (parents.get(vmid)) current.parent = parents.get(vmid);
      return [...list, current];
    },
    snapshot: async (vmid, name, description) => {
      ct(vmid);
      return instant('vzsnapshot', vmid, () => {
        const m = snapshots.get(vmid) ?? new Map();
        if (m.has(name)) throw new Error(`snapshot name '${name}' already used`);
        const s = { snaptime: Math.floor(Date.now() / 1000), description: description ? `${description}\n` : '' };
        if (parents.get(vmid)) s.parent = parents.get(vmid);
        m.set(name, s);
        snapshots.set(vmid, m);
        parents.set(vmid, name);
      });
    },
    deleteSnapshot: async (vmid, name) => {
      ct(vmid);
      return instant('vzdelsnapshot', vmid, () => {
        const m = snapshots.get(vmid);
        const s = m?.get(name);
        if (!s) throw new Error(`snapshot '${name}' does not exist`);
        m.delete(name);
        for (const o of m.values()) if (o.parent === name) o.parent = s.parent;
        if (parents.get(vmid) === name) parents.set(vmid, s.parent);
      });
    },
    rollback: async (vmid, name) => {
      ct(vmid);
      return instant('vzrollback', vmid, () => {
        if (!snapshots.get(vmid)?.has(name)) throw new Error(`snapshot '${name}' does not exist`);
        parents.set(vmid, name);
      });
    },
    start: async (vmid) => {
      ct(vmid);
      throw new Error(`CT ${vmid} already running`);
    },
    stop: async (vmid) =>
      instant('vzstop', vmid, () => {
        throw new Error('stopping is not simulated');
      }),
    shutdown: async (vmid) =>
      instant('vzshutdown', vmid, () => {
        throw new Error('shutdown is not simulated');
      }),
    vzdump: async (p) =>
      instant('vzdump', p.vmids[0], () => {
        throw new Error('vzdump is not simulated');
      }),
    restore: async (vmid) =>
      instant('vzrestore', vmid, () => {
        throw new Error('restore is not simulated');
      }),
    // The same two storages fleet/pct's `pvesm status` shows, in bytes.
    storages: async () => [
      {
        storage: 'local',
        type: 'dir',
        content: 'backup,iso,vztmpl',
        enabled: 1,
        active: 1,
        shared: 0,
        total: 98497780 * 1024,
        used: 12345678 * 1024,
        avail: 86152102 * 1024,
      },
      {
        storage: 'local-zfs',
        type: 'zfspool',
        content: 'images,rootdir',
        enabled: 1,
        active: 1,
        shared: 0,
        total: 942931968 * 1024,
        used: 47146598 * 1024,
        avail: 895785370 * 1024,
      },
    ],
    nodeStatus: async () => ({
      loadavg: loadavg().map((l) => l.toFixed(2)),
      cpuinfo: { cpus: availableParallelism() },
      cpu: 0,
      wait: 0,
      uptime: 3600,
      memory: { total: 8 * 2 ** 30, used: 2 ** 30, free: 7 * 2 ** 30, available: 7 * 2 ** 30 },
      pveversion: 'pve-manager/9.1.1/unrot-bench',
    }),
    pveversion: () => 'pve-manager/9.1.1/unrot-bench',
  };
  return backend;
}

let backend;
if (!cluster) backend = nodeBackend('pve', fleet);
else {
  const backends = new Map(
    cluster.nodes.map((n) => [
      n.name,
      nodeBackend(
        n.name,
        fleet.filter((c) => cluster.placement[c.vmid] === n.name),
      ),
    ]),
  );
  backend = backends.get(cluster.nodes[0].name);
  // Every node online, the first one local; read afresh per call as the interface asks (nothing changes here).
  const view = { name: cluster.name, nodes: cluster.nodes, backendFor: (node) => backends.get(node) };
  backend.cluster = () => view;
}

const calls = {};
const pattern = (p) =>
  p
    .replace(/\/lxc\/\d+/, '/lxc/{vmid}')
    .replace(/\/tasks\/[^/]+/, '/tasks/{upid}')
    .replace(/\/snapshot\/[^/]+/, '/snapshot/{name}');
const cpu0 = process.cpuUsage();
const certs = certPaths(paths);
const server = await startApiServer({
  backend,
  tokens: () => loadTokens(paths),
  certPath: certs.certPath,
  keyPath: certs.keyPath,
  taskLogDir: join(hostDir, 'api/tasks'),
  port: 0,
  onRequest: (method, path) => {
    const key = `${method} ${pattern(path)}`;
    calls[key] = (calls[key] ?? 0) + 1;
  },
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.once('SIGTERM', async () => {
  await server.close();
  const cpu = process.cpuUsage(cpu0);
  writeFileSync(join(hostDir, 'api-calls.json'), `${JSON.stringify({ calls, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  process.exit(0);
});
