import { fail, ok, on, type Route, upid } from './fake-pve-api.js';

/** One worker task of the fake node: running for `polls` status reads, then stopped with `exitstatus`. */
export interface FakeTask {
  upid: string;
  polls: number;
  exitstatus: string;
  log: string[];
  /** Status reads so far. */
  reads: number;
}

export interface FakeNode {
  routes: Route[];
  tasks: Map<string, FakeTask>;
  /** The next task started gets these (default: ends OK after one running poll). */
  nextTask: Partial<Pick<FakeTask, 'polls' | 'exitstatus' | 'log'>>;
  /** CT lock shown by status/current (set by a task that "holds" it). */
  locks: Map<number, string>;
}

const notFound = (vmid: string) => fail(500, `Configuration file 'nodes/pve/lxc/${vmid}.conf' does not exist`);

/**
 * Recorded-shape answers of a PVE 9 node `pve` with CTs 101 (running) and 102 (stopped,
 * locked backup) and 103 (listed, but deleted before its config is read), plus task plumbing.
 */
export function fakeNode(): FakeNode {
  const tasks = new Map<string, FakeTask>();
  const locks = new Map<number, string>([[102, 'backup']]);
  const node: FakeNode = { routes: [], tasks, nextTask: {}, locks };
  let seq = 0;
  // CT 101's snapshots (hash order, as the API lists them) and the config's `parent`.
  const snapshots: Array<{ name: string; snaptime: number; description: string; parent?: string }> = [
    {
      name: 'unrot-20261126-021500-3fa9c2',
      snaptime: 1764123300,
      description: 'unrot run 20261126T021500Z-3fa9c2: before updating apt\n',
      parent: 'first',
    },
    { name: 'first', snaptime: 1764000000, description: '' },
    { name: 'side', snaptime: 1764100000, description: 'a branch\nsecond line', parent: 'first' },
  ];
  let parent: string | undefined = 'unrot-20261126-021500-3fa9c2';
  const begin = (type: string, id: string): string => {
    seq++;
    const u = upid(type, id).replace('00C3D4E5', (0xc3d4e5 + seq).toString(16).toUpperCase().padStart(8, '0'));
    tasks.set(u, { upid: u, polls: 1, exitstatus: 'OK', log: [], reads: 0, ...node.nextTask });
    node.nextTask = {};
    return u;
  };
  const start = (type: string, id: string) => ok(begin(type, id));
  const configs: Record<string, Record<string, unknown>> = {
    '101': {
      arch: 'amd64',
      cores: 2,
      description: 'web server\nline two: 100%\n',
      digest: '4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6',
      hostname: 'web01',
      memory: 2048,
      ostype: 'debian',
      rootfs: 'local-lvm:vm-101-disk-0,size=8G',
      tags: 'prod;web',
      unprivileged: 1,
      lxc: [
        ['lxc.mount.entry', '/srv a none bind 0 0'],
        ['lxc.apparmor.profile', 'unconfined'],
        ['lxc.mount.entry', '/srv/b b none bind 0 0'],
      ],
    },
    '102': { hostname: 'db01', ostype: 'alpine', rootfs: 'local:102/vm-102-disk-0.raw,size=4G', lock: 'backup', digest: 'ab' },
  };
  node.routes.push(
    on('GET', '/nodes/pve/lxc', () =>
      ok([
        { vmid: '103', status: 'stopped', name: 'gone', type: 'lxc', cpu: 0, maxmem: 536870912 },
        { vmid: 102, status: 'stopped', name: 'db01', type: 'lxc', lock: 'backup', tags: 'db' },
        { vmid: 101, status: 'running', name: 'web01', type: 'lxc', tags: 'prod;web', pid: 4242, uptime: 99 },
      ]),
    ),
    on('GET', /^\/nodes\/pve\/lxc\/(\d+)\/config$/, (_r, m) => {
      const c = configs[m?.[1] ?? ''];
      return c ? ok(c) : notFound(m?.[1] ?? '');
    }),
    on('GET', /^\/nodes\/pve\/lxc\/(\d+)\/pending$/, (_r, m) =>
      m?.[1] === '101'
        ? ok([
            { key: 'memory', value: 2048, pending: 4096 },
            { key: 'hostname', value: 'web01' },
            { key: 'swap', value: 512, delete: 1 },
          ])
        : notFound(m?.[1] ?? ''),
    ),
    on('GET', /^\/nodes\/pve\/lxc\/(\d+)\/status\/current$/, (_r, m) => {
      const vmid = Number(m?.[1]);
      if (!configs[String(vmid)]) return notFound(String(vmid));
      const lock = locks.get(vmid);
      return ok({ vmid, status: vmid === 101 ? 'running' : 'stopped', ha: { managed: 0 }, ...(lock ? { lock } : {}) });
    }),
    on('GET', /^\/nodes\/pve\/lxc\/(101)\/snapshot$/, () =>
      ok([...snapshots, { name: 'current', running: 1, digest: 'x', description: 'You are here!', ...(parent ? { parent } : {}) }]),
    ),
    // A snapshot task that ends OK adds the snapshot (as Proxmox does), so a run sees what it took.
    on('POST', /^\/nodes\/pve\/lxc\/(\d+)\/snapshot$/, (r, m) => {
      const u = begin('vzsnapshot', m?.[1] ?? '');
      if (tasks.get(u)?.exitstatus === 'OK') {
        const name = r.form.get('snapname') ?? '';
        snapshots.push({
          name,
          snaptime: Math.floor(Date.now() / 1000),
          description: `${r.form.get('description') ?? ''}\n`,
          ...(parent ? { parent } : {}),
        });
        parent = name;
      }
      return ok(u);
    }),
    on('DELETE', /^\/nodes\/pve\/lxc\/(\d+)\/snapshot\/([^/]+)$/, (_r, m) => {
      const name = decodeURIComponent(m?.[2] ?? '');
      const i = snapshots.findIndex((x) => x.name === name);
      if (i >= 0) snapshots.splice(i, 1);
      return start('vzdelsnapshot', m?.[1] ?? '');
    }),
    on('POST', /^\/nodes\/pve\/lxc\/(\d+)\/snapshot\/[^/]+\/rollback$/, (_r, m) => start('vzrollback', m?.[1] ?? '')),
    on('POST', /^\/nodes\/pve\/lxc\/(\d+)\/status\/(start|stop)$/, (_r, m) => start(`vz${m?.[2]}`, m?.[1] ?? '')),
    on('POST', '/nodes/pve/vzdump', (r) => start('vzdump', r.form.get('vmid') ?? '')),
    on('POST', '/nodes/pve/lxc', (r) => start('vzrestore', r.form.get('vmid') ?? '')),
    on('GET', /^\/nodes\/pve\/tasks\/([^/]+)\/status$/, (_r, m) => {
      const t = tasks.get(decodeURIComponent(m?.[1] ?? ''));
      if (!t) return fail(500, 'no such task');
      t.reads++;
      const running = t.reads <= t.polls;
      const [, n, pid, pstart, starttime, type, id, user] = t.upid.split(':');
      return ok({
        upid: t.upid,
        node: n,
        pid: Number.parseInt(pid ?? '0', 16),
        pstart: Number.parseInt(pstart ?? '0', 16),
        starttime: Number.parseInt(starttime ?? '0', 16),
        type,
        id,
        user,
        status: running ? 'running' : 'stopped',
        ...(running ? {} : { exitstatus: t.exitstatus }),
      });
    }),
    on('GET', /^\/nodes\/pve\/tasks\/([^/]+)\/log$/, (r, m) => {
      const t = tasks.get(decodeURIComponent(m?.[1] ?? ''));
      if (!t) return fail(500, 'no such task');
      const lines = [...t.log, t.exitstatus === 'OK' ? 'TASK OK' : `TASK ERROR: ${t.exitstatus}`];
      const startAt = Number(r.query.get('start') ?? 0);
      const limit = Number(r.query.get('limit') ?? 50);
      return ok(
        lines.slice(startAt, startAt + limit).map((t2, i) => ({ n: startAt + i + 1, t: t2 })),
        { total: lines.length },
      );
    }),
    on('GET', '/nodes/pve/storage', (r) =>
      ok(
        [
          {
            storage: 'local-lvm',
            type: 'lvmthin',
            active: 1,
            enabled: 1,
            total: 100 * 2 ** 30,
            used: 25 * 2 ** 30,
            avail: 75 * 2 ** 30,
            content: 'rootdir,images',
            shared: 0,
          },
          { storage: 'nas', type: 'nfs', active: 0, enabled: 0, content: 'backup', shared: 1 },
          {
            storage: 'local',
            type: 'dir',
            active: 1,
            enabled: 1,
            total: 100_864_286_720,
            used: 12_641_974_272,
            avail: 83_032_006_656,
            content: 'backup,vztmpl',
            shared: 0,
          },
        ].filter((s) => !r.query.get('content') || s.content.includes(r.query.get('content') as string)),
      ),
    ),
    on('GET', /^\/nodes\/pve\/storage\/(local|nas)\/content$/, (r, m) =>
      ok(
        m?.[1] === 'local' && r.query.get('vmid') === '101'
          ? [
              {
                volid: 'local:backup/vzdump-lxc-101-2026_11_26-02_15_00.tar.zst',
                format: 'tar.zst',
                size: 1234,
                vmid: 101,
                content: 'backup',
              },
            ]
          : [],
      ),
    ),
    on('GET', '/nodes/pve/status', () =>
      ok({
        loadavg: ['0.52', '0.31', '0.20'],
        cpuinfo: { cpus: 8, cores: 4, sockets: 1, model: 'x' },
        uptime: 1000,
        memory: { total: 1, used: 1, free: 0 },
      }),
    ),
  );
  return node;
}
