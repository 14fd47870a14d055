import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PveApiClient } from '../../../src/host/api/api-client.js';
import { ApiHost } from '../../../src/host/api/api-host.js';
import { LocalExec } from '../../../src/host/api/local-exec.js';
import { resolveTargets } from '../../../src/targets/resolve-targets.js';
import { type FakePveApi, makePki, startFakePveApi } from '../api/fake-pve-api.js';
import { createFakeTools, type FakeTools, q } from '../fake-tools.js';
import { rejection } from '../process-checks.js';
import { type FakeCluster, fakeCluster } from './fake-cluster.js';

const SECRET = '5f0c9a4e-1b2c-4d3e-8f70-0123456789ab';
const SSH = { user: 'root', knownHosts: '/etc/pve/priv/known_hosts', port: 22, connectTimeoutS: 10 };

let api: FakePveApi;
let client: PveApiClient;
let cluster: FakeCluster;
let tools: FakeTools;
let host: ApiHost;

beforeAll(async () => {
  const pki = makePki();
  api = await startFakePveApi(pki, `unrot@pve!unrot=${SECRET}`);
  client = new PveApiClient({ url: api.url, token: { id: 'unrot@pve!unrot', secret: SECRET }, tls: { verify: true, ca: pki.caPem } });
});
afterAll(async () => {
  await client.close();
  await api.close();
});
beforeEach(() => {
  cluster = fakeCluster();
  api.routes.length = 0;
  api.routes.push(...cluster.routes);
  api.requests.length = 0;
  tools = createFakeTools();
  host = new ApiHost({
    node: 'pve1',
    client,
    exec: new LocalExec({ node: 'pve1', path: tools.path }),
    pollMs: 5,
    maxPollMs: 20,
    cluster: { ssh: SSH, addresses: { pve2: '192.0.2.2' } },
  });
});
afterEach(() => tools.cleanup());

const paths = () => api.requests.map((r) => `${r.method} ${r.path}`);

describe('ApiHost with host.cluster: one view of every node', () => {
  it("lists every node's containers with their node; an offline node's are `unknown`, read from the listing only", async () => {
    const list = await host.listContainers();
    expect(list).toEqual([
      { vmid: 101, name: 'web1', status: 'running', tags: ['web'], unprivileged: true, template: false, ostype: 'debian', node: 'pve1' },
      { vmid: 102, name: 'web2', status: 'running', tags: ['web'], unprivileged: true, template: false, ostype: 'debian', node: 'pve2' },
      { vmid: 103, name: 'db1', status: 'unknown', tags: ['db'], unprivileged: false, template: false, node: 'pve3' },
    ]);
    expect(paths()).toContain('GET /nodes/pve1/lxc/101/config');
    expect(paths()).toContain('GET /nodes/pve2/lxc/102/config');
    expect(paths().some((p) => p.includes('/nodes/pve3/'))).toBe(false);
    // The qemu guest of the listing is not a container.
    expect(list.some((c) => c.vmid === 200)).toBe(false);
  });

  it("an offline node's containers are skipped as node-offline, the others selected", async () => {
    const decisions = resolveTargets(await host.listContainers(), {}, {}, () => true);
    expect(decisions.map((d) => [d.vmid, d.selected, d.reason])).toEqual([
      [101, true, undefined],
      [102, true, undefined],
      [103, false, 'node-offline'],
    ]);
    expect(decisions[2]?.detail).toContain('pve3');
  });

  it('refuses the run without quorum (E_NO_QUORUM): /etc/pve is read-only', async () => {
    cluster.quorate = false;
    const error = await rejection(host.listContainers());
    expect(error.code).toBe('E_NO_QUORUM');
    expect(error.message).toContain('lab');
    expect(error.message).toContain('no quorum');
  });

  it("sends every per-container call to the container's node, tasks followed there", async () => {
    expect(await host.status(102)).toBe('running');
    await host.snapshot(102, 'unrot-x', 'before', 10_000);
    expect(paths()).toContain('GET /nodes/pve2/lxc/102/status/current');
    expect(paths()).toContain('POST /nodes/pve2/lxc/102/snapshot');
    expect(paths().some((p) => /^GET \/nodes\/pve2\/tasks\/.+\/status$/.test(p))).toBe(true);
    expect(paths().some((p) => p.includes('/nodes/pve1/lxc/102'))).toBe(false);
  });

  it('a container migrated after the listing is found on its new node and the call made there', async () => {
    await host.listContainers();
    expect(host.currentNode(102)).toBe('pve2');
    cluster.placement.set(102, 'pve1');
    api.requests.length = 0;
    expect(await host.status(102)).toBe('running');
    // The report names the node the container was updated on, not the listing's.
    expect(host.currentNode(102)).toBe('pve1');
    expect(paths()).toEqual([
      'GET /nodes/pve2/lxc/102/status/current',
      'GET /cluster/status',
      'GET /cluster/resources',
      'GET /nodes/pve1/lxc/102/status/current',
    ]);
  });

  it('a container gone from the whole cluster after the listing: E_CT_NOT_FOUND, reason vanished', async () => {
    await host.listContainers();
    cluster.placement.delete(102);
    const error = await rejection(host.status(102));
    expect(error.code).toBe('E_CT_NOT_FOUND');
    expect(error.details['reason']).toBe('vanished');
    expect(error.message).toContain("nodes/pve2/lxc/102.conf' does not exist");
  });

  it("a node that went offline after the listing: E_NODE_UNREACHABLE with the API's words", async () => {
    await host.listContainers();
    const pve2 = cluster.nodes.find((n) => n.name === 'pve2');
    if (pve2) pve2.online = false;
    const error = await rejection(host.snapshot(102, 'unrot-x', 'before', 10_000));
    expect(error.code).toBe('E_NODE_UNREACHABLE');
    expect(error.message).toContain('pve2');
    expect(error.message).toContain('Connection refused');
  });

  it('exec: the local exec for this node, ssh to the address for another (override over /cluster/status ip)', async () => {
    const out = join(tools.dir, 'argv');
    tools.write('pct', `for a in "$@"; do printf '%s\\0' "$a"; done > ${q(out)}\nshift 3; exec "$@"`);
    const r = await host.exec(101, ['printf', '%s', "it's"], { timeoutMs: 10_000 });
    expect(r.stdout).toBe("it's");
    expect(readFileSync(out, 'utf8').split('\0').slice(0, -1)).toEqual(['exec', '101', '--', 'printf', '%s', "it's"]);
    await host.listContainers();
    expect(host.execArgv(101, ['true'])).toEqual(['pct', 'exec', '101', '--', 'true']);
    const remote = host.execArgv(102, ['apt-get', 'update']);
    expect(remote[0]).toBe('ssh');
    expect(remote).toContain('HostKeyAlias=pve2');
    expect(remote).toContain('root@192.0.2.2');
    expect(remote.at(-1)).toBe("'pct' 'exec' '102' '--' 'apt-get' 'update'");
  });
});

describe('ApiHost without host.cluster', () => {
  it('keeps to its own node: no cluster calls', async () => {
    const single = new ApiHost({ node: 'pve1', client, exec: new LocalExec({ node: 'pve1', path: tools.path }) });
    expect(await single.status(101)).toBe('running');
    expect(paths()).toEqual(['GET /nodes/pve1/lxc/101/status/current']);
  });
});
