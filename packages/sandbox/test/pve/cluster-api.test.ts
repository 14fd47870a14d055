/**
 * The sandbox as a Proxmox cluster (R/cluster.json, configs under nodes/<node>/lxc): the API
 * front's /cluster/resources and /cluster/status for every node, /nodes/{node}/… answering only
 * for that node's containers with Proxmox's words, an offline node's guests `unknown` and its
 * calls failing with 595, `migrate`, and the pct stand-in's node from UNROT_SANDBOX_NODE.
 * No containers run here (configs only). docs/sandbox.md "Cluster".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterState, clusterFile, migrate, nodePaths, placement, readCluster, writeCluster } from '../../src/pve/cluster.js';
import { type ApiFixture, type ApiResponse, startApiFixture } from './api-helpers.js';
import { createTestSandbox, runBin, TEST_NODE, type TestSandbox } from './helpers.js';

let sb: TestSandbox;
let api: ApiFixture;

const CLUSTER: ClusterState = {
  name: 'homelab',
  nodes: [
    { name: TEST_NODE, ip: '10.77.9.1', online: true },
    { name: 'pve2', ip: '10.77.9.2', online: true },
    { name: 'pve3', ip: '10.77.9.3', online: false },
  ],
};

function writeConfOn(node: string, vmid: number, text: string): void {
  const p = nodePaths(sb.paths, node);
  mkdirSync(p.confDir, { recursive: true });
  writeFileSync(p.confPath(vmid), text);
}

const conf = (name: string, extra = '') => `arch: amd64\nhostname: ${name}\nmemory: 256\nrootfs: local:${name}/subvol,size=0\n${extra}`;

function dataOf<T>(r: ApiResponse): T {
  if (r.json === undefined) throw new Error(`no JSON body: ${r.status} ${r.reason}`);
  return r.json.data as T;
}

beforeAll(async () => {
  sb = createTestSandbox({ btrfs: false });
  writeConfOn(TEST_NODE, 101, conf('web101', 'tags: web\n'));
  writeConfOn('pve2', 102, conf('db102', 'lock: backup\n'));
  writeConfOn('pve3', 103, conf('app103', 'tags: prod\n'));
  api = await startApiFixture(sb);
}, 60_000);

afterAll(async () => {
  await api?.close();
  sb?.cleanup();
});

describe('one node (no cluster.json)', () => {
  it('lists only this node and answers /cluster/status with the node alone', async () => {
    const vms = dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/cluster/resources', { query: { type: 'vm' } }));
    expect(vms.map((v) => [v['vmid'], v['node']])).toEqual([[101, TEST_NODE]]);
    const status = dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/cluster/status'));
    expect(status).toEqual([
      { type: 'node', id: `node/${TEST_NODE}`, name: TEST_NODE, ip: '127.0.0.1', online: 1, local: 1, nodeid: 0, level: '' },
    ]);
    const other = await api.call('GET', '/nodes/pve2/lxc/102/config');
    expect(other.status).toBe(500);
    expect(other.json?.message).toBe("hostname lookup 'pve2' failed - failed to get address info for: pve2: Name or service not known\n");
  });
});

describe('a three-node cluster', () => {
  beforeAll(() => writeCluster(sb.root, CLUSTER));

  it('lists every node`s guests with their node; an offline node`s guests are unknown with no live values', async () => {
    const vms = dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/cluster/resources', { query: { type: 'vm' } }));
    expect(vms.map((v) => [v['id'], v['node'], v['status']])).toEqual([
      ['lxc/101', TEST_NODE, 'stopped'],
      ['lxc/102', 'pve2', 'stopped'],
      ['lxc/103', 'pve3', 'unknown'],
    ]);
    expect(vms[1]).toMatchObject({ vmid: 102, type: 'lxc', name: 'db102', lock: 'backup', template: 0 });
    expect(vms[1]).toHaveProperty('maxmem', 256 * 1024 * 1024);
    expect(vms[2]).toMatchObject({ vmid: 103, name: 'app103', tags: 'prod' });
    expect(vms[2]).not.toHaveProperty('maxmem');
    const nodes = dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/cluster/resources', { query: { type: 'node' } }));
    expect(nodes).toEqual([
      { id: `node/${TEST_NODE}`, node: TEST_NODE, type: 'node', status: 'online', level: '' },
      { id: 'node/pve2', node: 'pve2', type: 'node', status: 'online', level: '' },
      { id: 'node/pve3', node: 'pve3', type: 'node', status: 'offline', level: '' },
    ]);
  });

  it('answers /cluster/status with the cluster (quorate with 2 of 3) and each node`s ip, online and local', async () => {
    const status = dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/cluster/status'));
    expect(status[0]).toEqual({ type: 'cluster', id: 'cluster', name: 'homelab', nodes: 3, quorate: 1, version: 3 });
    expect(status.slice(1).map((n) => [n['id'], n['name'], n['ip'], n['online'], n['local'], n['nodeid']])).toEqual([
      [`node/${TEST_NODE}`, TEST_NODE, '10.77.9.1', 1, 1, 1],
      ['node/pve2', 'pve2', '10.77.9.2', 1, 0, 2],
      ['node/pve3', 'pve3', '10.77.9.3', 0, 0, 3],
    ]);
  });

  it('loses quorum with one node of three online', async () => {
    writeCluster(sb.root, { ...CLUSTER, nodes: CLUSTER.nodes.map((n) => (n.name === 'pve2' ? { ...n, online: false } : n)) });
    try {
      expect(dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/cluster/status'))[0]).toMatchObject({ quorate: 0 });
    } finally {
      writeCluster(sb.root, CLUSTER);
    }
  });

  it('answers /nodes/{node}/… only for that node`s containers, with load_config`s words otherwise', async () => {
    const ok = await api.call('GET', '/nodes/pve2/lxc/102/config');
    expect(ok.status).toBe(200);
    expect(dataOf<Record<string, unknown>>(ok)).toMatchObject({ hostname: 'db102', lock: 'backup' });
    const wrong = await api.call('GET', `/nodes/${TEST_NODE}/lxc/102/status/current`);
    expect(wrong.status).toBe(500);
    expect(wrong.json?.message).toBe(`Configuration file 'nodes/${TEST_NODE}/lxc/102.conf' does not exist\n`);
    const list = dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/nodes/pve2/lxc'));
    expect(list.map((c) => c['vmid'])).toEqual([102]);
  });

  it('fails a call to an offline node with 595 No route to host, and to an unknown one with the hostname lookup', async () => {
    const off = await api.call('GET', '/nodes/pve3/lxc/103/status/current');
    expect(off.status).toBe(595);
    expect(off.reason).toBe('No route to host');
    const unknown = await api.call('GET', '/nodes/pve9/lxc/103/config');
    expect(unknown.status).toBe(500);
    expect(unknown.json?.message).toMatch(/^hostname lookup 'pve9' failed/);
  });

  it('runs another node`s task under that node`s UPID, readable at that node`s tasks path', async () => {
    const r = await api.call('POST', '/nodes/pve2/lxc/102/snapshot', { form: { snapname: 'pre' } });
    expect(r.status).toBe(200);
    const upid = dataOf<string>(r);
    expect(upid).toMatch(/^UPID:pve2:/);
    let st: Record<string, unknown> = {};
    for (let i = 0; i < 200 && st['status'] !== 'stopped'; i++) {
      st = dataOf(await api.call('GET', `/nodes/pve2/tasks/${encodeURIComponent(upid)}/status`));
      if (st['status'] !== 'stopped') await new Promise((r) => setTimeout(r, 50));
    }
    expect(st).toMatchObject({ node: 'pve2', status: 'stopped', type: 'vzsnapshot', id: '102' });
    // CT 102 is locked (backup): the task fails as on Proxmox; what matters here is where it ran.
    expect(st['exitstatus']).toBe('CT is locked (backup)');
    // Task logs are per node, as /var/log/pve/tasks is: this node has no such task.
    const here = await api.call('GET', `/nodes/${TEST_NODE}/tasks/${encodeURIComponent(upid)}/status`);
    expect(here.status).toBe(400);
    expect(here.json?.errors).toEqual({ upid: 'no such task' });
  });

  it('migrates a container: its config moves, the old node answers "does not exist", the listing follows', async () => {
    expect(migrate(sb.paths, CLUSTER, 101, 'pve2')).toEqual({ from: TEST_NODE, to: 'pve2' });
    expect([...placement(sb.paths, CLUSTER)]).toEqual([
      [101, 'pve2'],
      [102, 'pve2'],
      [103, 'pve3'],
    ]);
    const old = await api.call('GET', `/nodes/${TEST_NODE}/lxc/101/config`);
    expect(old.json?.message).toBe(`Configuration file 'nodes/${TEST_NODE}/lxc/101.conf' does not exist\n`);
    expect((await api.call('GET', '/nodes/pve2/lxc/101/config')).status).toBe(200);
    const vms = dataOf<Array<Record<string, unknown>>>(await api.call('GET', '/cluster/resources', { query: { type: 'vm' } }));
    expect(vms.find((v) => v['vmid'] === 101)?.['node']).toBe('pve2');
    expect(() => migrate(sb.paths, CLUSTER, 101, 'pve2')).toThrow('target is local node.');
    expect(() => migrate(sb.paths, CLUSTER, 101, 'pve7')).toThrow("no such cluster node 'pve7'");
    migrate(sb.paths, CLUSTER, 101, TEST_NODE);
  });

  it('the pct stand-in answers as UNROT_SANDBOX_NODE: its own containers only, real pct`s words for the others', async () => {
    const onPve2 = await runBin(sb, 'pct', ['config', '102'], undefined, { UNROT_SANDBOX_NODE: 'pve2' });
    expect(onPve2.code).toBe(0);
    expect(onPve2.stdout).toContain('hostname: db102');
    const elsewhere = await runBin(sb, 'pct', ['config', '101'], undefined, { UNROT_SANDBOX_NODE: 'pve2' });
    expect(elsewhere.code).toBe(255);
    expect(elsewhere.stderr).toBe("Configuration file 'nodes/pve2/lxc/101.conf' does not exist\n");
    const local = await runBin(sb, 'pct', ['config', '102']);
    expect(local.stderr).toBe(`Configuration file 'nodes/${TEST_NODE}/lxc/102.conf' does not exist\n`);
  });

  it('pvesh answers for another online node of the cluster and fails for an offline or unknown one', async () => {
    const other = await runBin(sb, 'pvesh', ['get', '/nodes/pve2/lxc/102/config', '--output-format', 'json']);
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ hostname: 'db102' });
    const offline = await runBin(sb, 'pvesh', ['get', '/nodes/pve3/lxc/103/config', '--output-format', 'json']);
    expect(offline.code).toBe(255);
    expect(offline.stderr).toContain('No route to host');
    const unknown = await runBin(sb, 'pvesh', ['get', '/nodes/pve9/lxc', '--output-format', 'json']);
    expect(unknown.stderr).toContain("hostname lookup 'pve9' failed");
  });
});

describe('cluster.json is untrusted input', () => {
  it.each([
    ['not JSON', '{', /not JSON/],
    [
      'a node name with a slash',
      JSON.stringify({ name: 'c', nodes: [{ name: '../x', ip: '10.0.0.1', online: true }] }),
      /nodes\[0\]\.name/,
    ],
    ['an address that is not IPv4', JSON.stringify({ name: 'c', nodes: [{ name: 'a', ip: 'a;b', online: true }] }), /nodes\[0\]\.ip/],
    ['online as a string', JSON.stringify({ name: 'c', nodes: [{ name: 'a', ip: '10.0.0.1', online: 'yes' }] }), /online/],
    [
      'a node twice',
      JSON.stringify({
        name: 'c',
        nodes: [
          { name: 'a', ip: '10.0.0.1', online: true },
          { name: 'a', ip: '10.0.0.2', online: true },
        ],
      }),
      /unique/,
    ],
    ['no nodes', JSON.stringify({ name: 'c', nodes: [] }), /non-empty/],
  ])('refuses %s', (_what, text, message) => {
    const root = `${sb.root}/bad-cluster`;
    mkdirSync(root, { recursive: true });
    writeFileSync(clusterFile(root), text);
    expect(() => readCluster(root)).toThrow(message);
  });
});
