import { fail, ok, on, type Route, upid } from '../api/fake-pve-api.js';

/**
 * A three-node cluster as the PVE API answers for it: pve1 (this node), pve2, pve3, and where
 * each CT is (`placement`, changed by tests to "migrate" one). A request about a CT to a node it
 * is not on answers like Proxmox (HTTP 500, the missing config file of *that* node); a request
 * to an offline node answers like pveproxy forwarding to a dead node (HTTP 595).
 */
export interface FakeCluster {
  routes: Route[];
  nodes: Array<{ name: string; ip: string; online: boolean; local: boolean }>;
  placement: Map<number, string>;
  quorate: boolean;
}

const CONFIGS: Record<number, Record<string, unknown>> = {
  101: { hostname: 'web1', ostype: 'debian', unprivileged: 1, tags: 'web', rootfs: 'local-lvm:vm-101-disk-0,size=8G' },
  102: { hostname: 'web2', ostype: 'debian', unprivileged: 1, tags: 'web', rootfs: 'local-lvm:vm-102-disk-0,size=8G' },
  103: { hostname: 'db1', ostype: 'alpine', tags: 'db', rootfs: 'local-lvm:vm-103-disk-0,size=8G' },
};

export function fakeCluster(): FakeCluster {
  const cluster: FakeCluster = {
    routes: [],
    nodes: [
      { name: 'pve1', ip: '10.77.0.1', online: true, local: true },
      { name: 'pve2', ip: '10.77.0.2', online: true, local: false },
      { name: 'pve3', ip: '10.77.0.3', online: false, local: false },
    ],
    placement: new Map([
      [101, 'pve1'],
      [102, 'pve2'],
      [103, 'pve3'],
    ]),
    quorate: true,
  };
  const online = (node: string) => cluster.nodes.find((n) => n.name === node)?.online === true;
  let seq = 0;
  /** Runs `reply` for a CT on `node` as Proxmox would: 595 for a dead node, 500 for a CT that is not there. */
  const onCt = (node: string, vmid: number, reply: () => ReturnType<typeof ok>) => {
    if (!online(node)) return fail(595, `Connection refused`);
    if (cluster.placement.get(vmid) !== node) return fail(500, `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist`);
    return reply();
  };
  cluster.routes.push(
    on('GET', '/cluster/status', () =>
      ok([
        { type: 'cluster', id: 'cluster', name: 'lab', quorate: cluster.quorate ? 1 : 0, nodes: cluster.nodes.length, version: 3 },
        ...cluster.nodes.map((n, i) => ({
          type: 'node',
          id: `node/${n.name}`,
          name: n.name,
          ip: n.ip,
          online: n.online ? 1 : 0,
          local: n.local ? 1 : 0,
          nodeid: i + 1,
          level: '',
        })),
      ]),
    ),
    on('GET', '/cluster/resources', (r) => {
      const guests = [...cluster.placement].map(([vmid, node]) => ({
        id: `lxc/${vmid}`,
        type: 'lxc',
        vmid,
        node,
        name: String(CONFIGS[vmid]?.['hostname'] ?? `ct${vmid}`),
        status: online(node) ? 'running' : 'unknown',
        tags: String(CONFIGS[vmid]?.['tags'] ?? ''),
        template: 0,
        maxdisk: 8 * 2 ** 30,
      }));
      const qemu = { id: 'qemu/200', type: 'qemu', vmid: 200, node: 'pve1', name: 'vm', status: 'running', template: 0 };
      const nodes = cluster.nodes.map((n) => ({
        id: `node/${n.name}`,
        type: 'node',
        node: n.name,
        status: n.online ? 'online' : 'offline',
      }));
      return ok(r.query.get('type') === 'vm' ? [...guests, qemu] : [...guests, qemu, ...nodes]);
    }),
    on('GET', /^\/nodes\/([^/]+)\/lxc\/(\d+)\/config$/, (_r, m) =>
      onCt(m?.[1] ?? '', Number(m?.[2]), () => ok({ ...CONFIGS[Number(m?.[2])], digest: 'aa' })),
    ),
    on('GET', /^\/nodes\/([^/]+)\/lxc\/(\d+)\/status\/current$/, (_r, m) =>
      onCt(m?.[1] ?? '', Number(m?.[2]), () => ok({ vmid: Number(m?.[2]), status: 'running' })),
    ),
    on('POST', /^\/nodes\/([^/]+)\/lxc\/(\d+)\/snapshot$/, (_r, m) =>
      onCt(m?.[1] ?? '', Number(m?.[2]), () => {
        seq++;
        return ok(upid('vzsnapshot', m?.[2] ?? '', m?.[1] ?? '').replace('00C3D4E5', String(seq).padStart(8, '0')));
      }),
    ),
    on('GET', /^\/nodes\/([^/]+)\/tasks\/([^/]+)\/status$/, (_r, m) => {
      if (!online(m?.[1] ?? '')) return fail(595, 'Connection refused');
      return ok({ upid: decodeURIComponent(m?.[2] ?? ''), status: 'stopped', exitstatus: 'OK' });
    }),
  );
  return cluster;
}
