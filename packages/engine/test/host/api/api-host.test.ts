import { UnrotError } from '@unrot/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PveApiClient } from '../../../src/host/api/api-client.js';
import { ApiHost } from '../../../src/host/api/api-host.js';
import { LocalExec } from '../../../src/host/api/local-exec.js';
import { type FakePveApi, fail, makePki, on, startFakePveApi } from './fake-pve-api.js';
import { type FakeNode, fakeNode } from './pve-node-routes.js';

const TOKEN = 'unrot@pve!unrot=5f0c9a4e-1b2c-4d3e-8f70-0123456789ab';
const SECRET = '5f0c9a4e-1b2c-4d3e-8f70-0123456789ab';

let api: FakePveApi;
let client: PveApiClient;
let node: FakeNode;
let host: ApiHost;

beforeAll(async () => {
  const pki = makePki();
  api = await startFakePveApi(pki, TOKEN);
  client = new PveApiClient({ url: api.url, token: { id: 'unrot@pve!unrot', secret: SECRET }, tls: { verify: true, ca: pki.caPem } });
});
afterAll(async () => {
  await client.close();
  await api.close();
});
beforeEach(() => {
  node = fakeNode();
  api.routes.length = 0;
  api.routes.push(...node.routes);
  host = new ApiHost({ node: 'pve', client, exec: new LocalExec({ node: 'pve' }), pollMs: 5, maxPollMs: 20 });
});

async function failure(promise: Promise<unknown>): Promise<UnrotError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnrotError);
  expect(JSON.stringify(error)).not.toContain(SECRET);
  expect((error as Error).message).not.toContain(SECRET);
  return error as UnrotError;
}

describe('ApiHost reads', () => {
  it('lists containers like PctHost: sorted, vmid as string or number, config wins for lock/tags, privilege and ostype, vanished dropped', async () => {
    const list = await host.listContainers();
    expect(list).toEqual([
      { vmid: 101, name: 'web01', status: 'running', tags: ['prod', 'web'], unprivileged: true, template: false, ostype: 'debian' },
      { vmid: 102, name: 'db01', status: 'stopped', tags: [], unprivileged: false, template: false, lock: 'backup', ostype: 'alpine' },
    ]);
  });

  it('reads the config as pct config shows it: values as text, digest left out, raw lxc keys joined in file order', async () => {
    const config = await host.readConfig(101);
    expect(config['memory']).toBe('2048');
    expect(config['unprivileged']).toBe('1');
    expect(config['description']).toBe('web server\nline two: 100%\n');
    expect(config['lxc.mount.entry']).toBe('/srv a none bind 0 0\n/srv/b b none bind 0 0');
    expect(config['lxc.apparmor.profile']).toBe('unconfined');
    expect(config).not.toHaveProperty('digest');
    expect(config).not.toHaveProperty('lxc');
  });

  it('gives the digest and the pending changes with readConfigDetail', async () => {
    const detail = await host.readConfigDetail(101);
    expect(detail.digest).toBe('4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6');
    expect(detail.pending).toEqual([
      { key: 'memory', value: 2048, pending: 4096 },
      { key: 'swap', value: 512, delete: 1 },
    ]);
  });

  it('status, and E_CT_NOT_FOUND for a container that does not exist (config read and status alike)', async () => {
    expect(await host.status(101)).toBe('running');
    expect(await host.status(102)).toBe('stopped');
    const missing = await failure(host.status(999));
    expect(missing.code).toBe('E_CT_NOT_FOUND');
    expect((await failure(host.readConfig(999))).code).toBe('E_CT_NOT_FOUND');
  });

  it('lists snapshots as the tree pct listsnapshot prints: by snaptime, children under parents, current last', async () => {
    const tree = await host.listSnapshots(101);
    expect(tree.map((e) => [e.name, e.parent, e.depth, e.description, e.current])).toEqual([
      ['first', null, 0, 'no-description', false],
      ['side', 'first', 1, 'a branch', false],
      ['unrot-20261126-021500-3fa9c2', 'first', 1, 'unrot run 20261126T021500Z-3fa9c2: before updating apt', false],
      ['current', 'unrot-20261126-021500-3fa9c2', 2, 'You are here!', true],
    ]);
    expect(tree[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(tree[3]?.time).toBeNull();
  });

  it('storage status in pvesm terms: KiB, percent used, disabled without percent, sorted by name', async () => {
    expect(await host.storageStatus()).toEqual([
      { name: 'local', type: 'dir', status: 'active', totalKiB: 98500280, usedKiB: 12345678, availableKiB: 81085944, usedPercent: 12.53 },
      {
        name: 'local-lvm',
        type: 'lvmthin',
        status: 'active',
        totalKiB: 104857600,
        usedKiB: 26214400,
        availableKiB: 78643200,
        usedPercent: 25,
      },
      { name: 'nas', type: 'nfs', status: 'disabled', totalKiB: 0, usedKiB: 0, availableKiB: 0, usedPercent: null },
    ]);
  });

  it('node status: load averages (strings in the API) as numbers, and the CPU count', async () => {
    expect(await host.nodeStatus()).toEqual({ loadavg: [0.52, 0.31, 0.2], cpus: 8 });
  });
});

describe('ApiHost tasks', () => {
  it('snapshot: POSTs name and description, follows the UPID until stopped/OK', async () => {
    node.nextTask = { polls: 3 };
    await host.snapshot(101, 'unrot-20261126-021500-3fa9c2', 'unrot run x: before', 10_000);
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/nodes/pve/lxc/101/snapshot');
    expect(Object.fromEntries(post?.form ?? [])).toEqual({ snapname: 'unrot-20261126-021500-3fa9c2', description: 'unrot run x: before' });
    const [task] = [...node.tasks.values()];
    expect(task?.reads).toBe(4);
  });

  it('a task ending with WARNINGS: n succeeded', async () => {
    node.nextTask = { exitstatus: 'WARNINGS: 2' };
    await expect(host.deleteSnapshot(101, 'first', 10_000)).resolves.toBeUndefined();
    expect(api.requests.some((r) => r.method === 'DELETE' && r.path === '/nodes/pve/lxc/101/snapshot/first')).toBe(true);
  });

  it("a failed task: the task's own error text and its log tail are in the error, with PctHost's codes", async () => {
    node.nextTask = { exitstatus: 'CT is locked (backup)', log: ['INFO: preparing', 'some detail'] };
    const locked = await failure(host.snapshot(101, 'snap1', '', 10_000));
    expect(locked.code).toBe('E_CT_LOCKED');
    expect(locked.message).toContain('CT is locked (backup)');
    expect(locked.message).toContain('some detail');
    expect(locked.details['upid']).toMatch(/^UPID:pve:/);

    node.nextTask = { exitstatus: 'snapshot feature is not available' };
    expect((await failure(host.snapshot(101, 'snap1', '', 10_000))).code).toBe('E_SNAPSHOT_UNSUPPORTED');

    node.nextTask = { exitstatus: "can't rollback, 'a' is not most recent snapshot on 'local-zfs:subvol-101-disk-0'" };
    const rollback = await failure(host.rollback(101, 'a', true, 10_000));
    expect(rollback.code).toBe('E_ROLLBACK_FAILED');
    expect(rollback.message).toContain('is not most recent snapshot');
    const post = api.requests.filter((r) => r.path.endsWith('/rollback')).at(-1);
    expect(post?.form.get('start')).toBe('1');

    node.nextTask = { exitstatus: "Configuration file 'nodes/pve/lxc/101.conf' does not exist" };
    expect((await failure(host.setRunning(101, true, 10_000))).code).toBe('E_CT_NOT_FOUND');
  });

  it('an error before the task starts (HTTP 500) maps the same way; 403 keeps E_API_FORBIDDEN', async () => {
    api.routes.unshift(on('POST', '/nodes/pve/lxc/101/snapshot', () => fail(500, "unable to use snapshot name 'vzdump' (reserved name)")));
    const reserved = await failure(host.snapshot(101, 'vzdump', '', 10_000));
    expect(reserved.code).toBe('E_BACKUP_FAILED');
    expect(reserved.message).toContain("unable to use snapshot name 'vzdump' (reserved name)");
    api.routes.unshift(on('POST', '/nodes/pve/lxc/102/snapshot', () => fail(403, 'Permission check failed (/vms/102, VM.Snapshot)')));
    const forbidden = await failure(host.snapshot(102, 'x1', '', 10_000));
    expect(forbidden.code).toBe('E_API_FORBIDDEN');
    expect(forbidden.details['privilege']).toBe('VM.Snapshot');
  });

  it('a task that never ends: E_EXEC_TIMEOUT naming the UPID and the lock Proxmox keeps; the task is not stopped', async () => {
    node.nextTask = { polls: Number.MAX_SAFE_INTEGER };
    node.locks.set(101, 'snapshot');
    const error = await failure(host.snapshot(101, 'snap1', '', 300));
    expect(error.code).toBe('E_EXEC_TIMEOUT');
    expect(error.message).toContain("keeps its 'snapshot' lock");
    expect(error.details).toMatchObject({ vmid: 101, lock: 'snapshot' });
    expect(String(error.details['upid'])).toMatch(/^UPID:pve:.*:vzsnapshot:101:/);
    expect(api.requests.some((r) => r.method === 'DELETE' && r.path.includes('/tasks/'))).toBe(false);
  });

  it('vzdump: passes storage/mode/compress/notes-template and returns the archive its task log names', async () => {
    node.nextTask = {
      log: [
        'INFO: starting new backup job: vzdump 101 --storage local --mode snapshot --compress zstd',
        'INFO: Starting Backup of VM 101 (lxc)',
        "INFO: creating vzdump archive '/var/lib/vz/dump/vzdump-lxc-101-2026_11_26-02_15_00.tar.zst'",
        'INFO: Backup job finished successfully',
      ],
    };
    const archive = await host.vzdump(101, { storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'unrot run x' }, 10_000);
    expect(archive).toBe('/var/lib/vz/dump/vzdump-lxc-101-2026_11_26-02_15_00.tar.zst');
    const post = api.requests.find((r) => r.path === '/nodes/pve/vzdump');
    expect(Object.fromEntries(post?.form ?? [])).toEqual({
      vmid: '101',
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
      'notes-template': 'unrot run x',
    });
  });

  it('vzdump failure: E_BACKUP_FAILED with the job error and the log tail', async () => {
    node.nextTask = {
      exitstatus: 'job errors',
      log: ['ERROR: Backup of VM 101 failed - CT is locked (snapshot)', 'INFO: Backup job finished with errors'],
    };
    const error = await failure(host.vzdump(101, { storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'n' }, 10_000));
    expect(error.code).toBe('E_CT_LOCKED');
    expect(error.message).toContain('job errors');
    expect(error.message).toContain('Backup job finished with errors');
  });

  it('restore: a dump path becomes its volume id (only root@pam may pass paths), restore=1 force=1', async () => {
    await host.restore(101, '/var/lib/vz/dump/vzdump-lxc-101-2026_11_26-02_15_00.tar.zst', 'local-lvm', 10_000);
    const post = api.requests.find((r) => r.method === 'POST' && r.path === '/nodes/pve/lxc');
    expect(Object.fromEntries(post?.form ?? [])).toEqual({
      vmid: '101',
      ostemplate: 'local:backup/vzdump-lxc-101-2026_11_26-02_15_00.tar.zst',
      restore: '1',
      force: '1',
      storage: 'local-lvm',
    });
    const missing = await failure(host.restore(101, '/var/lib/vz/dump/vzdump-lxc-101-1999_01_01-00_00_00.tar.zst', undefined, 10_000));
    expect(missing.code).toBe('E_NO_BACKUP');
  });

  it('an answer that is not a UPID: E_API_RESPONSE', async () => {
    api.routes.unshift(on('POST', '/nodes/pve/lxc/101/status/start', () => ({ body: { data: 'started' } })));
    expect((await failure(host.setRunning(101, true, 10_000))).code).toBe('E_API_RESPONSE');
  });

  it('invalid VMID and timeout are E_USAGE before any request', async () => {
    const before = api.requests.length;
    expect((await failure(host.snapshot(99, 'a1', '', 1000))).code).toBe('E_USAGE');
    expect((await failure(host.snapshot(101, 'a1', '', 0))).code).toBe('E_USAGE');
    expect(api.requests.length).toBe(before);
  });
});
