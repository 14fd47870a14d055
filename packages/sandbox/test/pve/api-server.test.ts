/**
 * The sandbox's Proxmox API front over real HTTPS (its own CA), real token checks and the same
 * operations as the pct stand-in, on a sandbox root with a real loop-mounted btrfs but no
 * running containers: auth errors, permissions (403 texts), parameter errors (400 + errors),
 * reads, and worker tasks (UPID, status, log, locks) for snapshot, rollback, delete, vzdump
 * and restore. pct-reference.md §14; docs/sandbox.md "The API front".
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/pve/config-store.js';
import { loadStorageCfg, resolveVolume } from '../../src/pve/storage-cfg.js';
import { createVolumeDir } from '../../src/pve/volumes.js';
import { type ApiFixture, type ApiResponse, startApiFixture } from './api-helpers.js';
import { createTestSandbox, TEST_NODE, type TestSandbox } from './helpers.js';

let sb: TestSandbox;
let api: ApiFixture;
const N = `/nodes/${TEST_NODE}`;
const UPID_RE = /^UPID:pve-test:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:(\w+):(\d*):unrot@pve!unrot:$/;

function writeConf(vmid: number, text: string): void {
  mkdirSync(sb.paths.confDir, { recursive: true });
  writeFileSync(sb.paths.confPath(vmid), text);
}

async function makeVolume(volid: string, files: Record<string, string> = {}): Promise<void> {
  const vol = resolveVolume(await loadStorageCfg(sb.paths), volid);
  await createVolumeDir(vol.storage!, vol.path);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(vol.path, name, '..'), { recursive: true });
    writeFileSync(join(vol.path, name), content);
  }
}

function dataOf<T>(r: ApiResponse): T {
  if (r.json === undefined) throw new Error(`no JSON body: ${r.status} ${r.reason}`);
  return r.json.data as T;
}

async function taskLog(upid: string): Promise<string[]> {
  const r = await api.call('GET', `${N}/tasks/${encodeURIComponent(upid)}/log`, { query: { limit: '1000' } });
  return dataOf<Array<{ t: string }>>(r).map((l) => l.t);
}

beforeAll(async () => {
  sb = createTestSandbox({ imageSize: '1G' });
  writeConf(
    101,
    'arch: amd64\ncores: 2\nhostname: web101\nmemory: 1024\nostype: debian\nrootfs: local-btrfs:subvol-101-disk-0,size=8G\nswap: 512\ntags: prod;web\nunprivileged: 0\n',
  );
  await makeVolume('local-btrfs:subvol-101-disk-0', { 'etc/hostname': 'web101\n', 'srv/version': '1\n' });
  writeConf(
    102,
    'arch: amd64\nhostname: dir102\nmemory: 512\nostype: debian\nrootfs: local:102/subvol-102-disk-0.subvol,size=0\nunprivileged: 0\n',
  );
  await makeVolume('local:102/subvol-102-disk-0.subvol', { 'etc/hostname': 'dir102\n', 'data/file': 'payload\n' });
  writeConf(103, 'arch: amd64\nhostname: locked103\nlock: backup\nrootfs: local-btrfs:subvol-103-disk-0,size=8G\n');
  await makeVolume('local-btrfs:subvol-103-disk-0');
  writeConf(
    104,
    'arch: amd64\nhostname: pend104\nmemory: 512\nswap: 512\nrootfs: local:104/subvol-104-disk-0.subvol,size=0\n\n[pve:pending]\ndelete: swap\nmemory: 1024\n',
  );
  api = await startApiFixture(sb);
}, 120_000);

afterAll(async () => {
  await api?.close();
  sb?.cleanup();
});

describe('TLS', () => {
  it('serves the node certificate signed by the sandbox CA, with the recorded fingerprint', async () => {
    const peer = await new Promise<{ fingerprint256: string; subjectaltname?: string }>((resolve, reject) => {
      const req = httpsGet({ host: '127.0.0.1', port: api.server.port, path: '/api2/json/version', agent: api.agent }, (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.resume();
        resolve(cert);
      });
      req.on('error', reject);
    });
    expect(peer.fingerprint256).toBe(api.certs.fingerprint);
    expect(api.certs.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(peer.subjectaltname).toContain('IP Address:127.0.0.1');
  });

  it('is refused by a client that trusts only the system CAs', async () => {
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const req = httpsGet({ host: '127.0.0.1', port: api.server.port, path: '/api2/json/version' }, () => resolve(new Error('connected')));
      req.on('error', resolve);
    });
    expect(err.code).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
  });
});

describe('authentication', () => {
  it('answers 401 "No ticket" with an empty body without a token', async () => {
    const r = await api.call('GET', `${N}/lxc`, { auth: null });
    expect([r.status, r.reason, r.body]).toEqual([401, 'No ticket', '']);
  });

  it('answers 401 with verify_token`s reason for a wrong secret or an unknown token', async () => {
    const wrong = await api.call('GET', `${N}/lxc`, { auth: 'PVEAPIToken=unrot@pve!unrot=00000000-0000-0000-0000-000000000000' });
    expect([wrong.status, wrong.reason, wrong.body]).toEqual([401, 'invalid token value!', '']);
    const unknown = await api.call('GET', `${N}/lxc`, { auth: 'PVEAPIToken=nobody@pve!xx=abc' });
    expect([unknown.status, unknown.reason]).toEqual([401, "no such token 'xx' for user 'nobody@pve'"]);
  });

  it('delays a refused call like pveproxy (here 50 ms)', async () => {
    const t0 = Date.now();
    await api.call('GET', '/version', { auth: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });
});

describe('reads', () => {
  it('lists the CTs with vmstatus fields, tags and lock', async () => {
    const r = await api.call('GET', `${N}/lxc`);
    expect(r.status).toBe(200);
    const list = r.json?.data as Array<Record<string, unknown>>;
    expect(list.map((c) => c['vmid'])).toEqual([101, 102, 103, 104]);
    expect(list[0]).toMatchObject({
      vmid: 101,
      name: 'web101',
      status: 'stopped',
      type: 'lxc',
      tags: 'prod;web',
      cpus: 2,
      maxmem: 1073741824,
    });
    expect(list[2]).toMatchObject({ vmid: 103, lock: 'backup' });
  });

  it('lists /cluster/resources?type=vm with ids, node and template', async () => {
    const r = await api.call('GET', '/cluster/resources', { query: { type: 'vm' } });
    const e = dataOf<Array<Record<string, unknown>>>(r)[0];
    expect(e).toMatchObject({ id: 'lxc/101', vmid: 101, node: TEST_NODE, type: 'lxc', status: 'stopped', template: 0, maxcpu: 2 });
  });

  it('returns the config with typed values and the SHA-1 digest of the file', async () => {
    const r = await api.call('GET', `${N}/lxc/101/config`);
    const digest = createHash('sha1')
      .update(readFileSync(sb.paths.confPath(101)))
      .digest('hex');
    expect(r.json?.data).toEqual({
      arch: 'amd64',
      cores: 2,
      hostname: 'web101',
      memory: 1024,
      ostype: 'debian',
      rootfs: 'local-btrfs:subvol-101-disk-0,size=8G',
      swap: 512,
      tags: 'prod;web',
      unprivileged: 0,
      digest,
    });
  });

  it('fails an unknown CT with 500 and the die text', async () => {
    const r = await api.call('GET', `${N}/lxc/999/config`);
    expect([r.status, r.reason]).toEqual([500, `Configuration file 'nodes/${TEST_NODE}/lxc/999.conf' does not exist`]);
    expect(r.json).toEqual({ data: null, message: `Configuration file 'nodes/${TEST_NODE}/lxc/999.conf' does not exist\n` });
  });

  it('returns status/current with ha, storage status and node status', async () => {
    expect((await api.call('GET', `${N}/lxc/102/status/current`)).json?.data).toMatchObject({
      vmid: 102,
      status: 'stopped',
      ha: { managed: 0 },
    });
    const st = (await api.call('GET', `${N}/storage/local/status`)).json?.data as Record<string, number>;
    expect(st).toMatchObject({ type: 'dir', active: 1, enabled: 1 });
    expect(st['total']).toBeGreaterThan(0);
    const node = (await api.call('GET', `${N}/status`)).json?.data as Record<string, unknown>;
    expect(node['pveversion']).toBe('pve-manager/9.1.1/unrot-sandbox');
    expect((node['loadavg'] as string[]).length).toBe(3);
  });

  it('returns pending changes as config_with_pending_array rows', async () => {
    expect((await api.call('GET', `${N}/lxc/104/pending`)).json?.data).toEqual([
      { key: 'arch', value: 'amd64' },
      { key: 'hostname', value: 'pend104' },
      { key: 'memory', value: 512, pending: 1024 },
      { key: 'rootfs', value: 'local:104/subvol-104-disk-0.subvol,size=0' },
      { key: 'swap', value: 512, delete: 1 },
    ]);
    expect((await api.call('GET', `${N}/lxc/104/config`)).json?.data).toMatchObject({ memory: 1024 });
    expect((await api.call('GET', `${N}/lxc/104/config`, { query: { current: '1' } })).json?.data).toMatchObject({
      memory: 512,
      swap: 512,
    });
  });

  it('answers 400 with an errors object, and 501 for an unknown path', async () => {
    const r = await api.call('GET', `${N}/lxc/101/config`, { query: { current: '1', snapshot: 'x1', bogus: '1' } });
    expect([r.status, r.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(r.json?.errors).toEqual({ bogus: 'property is not defined in schema and the schema does not allow additional properties' });
    const both = await api.call('GET', `${N}/lxc/101/config`, { query: { current: '1', snapshot: 'x1' } });
    expect(both.json?.errors).toEqual({ snapshot: "cannot use 'snapshot' parameter with 'current'" });
    const none = await api.call('GET', `${N}/qemu`);
    expect([none.status, none.reason]).toEqual([501, `Method 'GET ${N}/qemu' not implemented`]);
  });
});

describe('tasks', () => {
  it('takes a snapshot as a vzsnapshot task: UPID at once, TASK OK, parent set, lock gone', async () => {
    const r = await api.call('POST', `${N}/lxc/101/snapshot`, { form: { snapname: 'before', description: 'pre update' } });
    expect(r.status).toBe(200);
    const upid = r.json?.data as string;
    expect(upid).toMatch(UPID_RE);
    expect(UPID_RE.exec(upid)?.slice(1)).toEqual(['vzsnapshot', '101']);
    const st = await api.waitTask(upid);
    expect(st).toMatchObject({
      status: 'stopped',
      exitstatus: 'OK',
      type: 'vzsnapshot',
      id: '101',
      user: 'unrot@pve!unrot',
      node: TEST_NODE,
      upid,
    });
    expect(await taskLog(upid)).toEqual(['TASK OK']);
    const conf = loadConfig(sb.paths, 101);
    expect(conf.keys['parent']).toBe('before');
    expect(conf.keys['lock']).toBeUndefined();
    const list = (await api.call('GET', `${N}/lxc/101/snapshot`)).json?.data as Array<Record<string, unknown>>;
    expect(list.find((s) => s['name'] === 'before')).toMatchObject({ description: 'pre update\n' });
    expect(list.find((s) => s['name'] === 'current')).toMatchObject({ description: 'You are here!', parent: 'before', running: 0 });
  });

  it('fails a task (not the HTTP call) when the CT is locked; the lock stays', async () => {
    const r = await api.call('POST', `${N}/lxc/103/snapshot`, { form: { snapname: 'x1' } });
    expect(r.status).toBe(200);
    const st = await api.waitTask(r.json?.data as string);
    expect(st['exitstatus']).toBe('CT is locked (backup)');
    expect(await taskLog(r.json?.data as string)).toEqual(['TASK ERROR: CT is locked (backup)']);
    expect(loadConfig(sb.paths, 103).keys['lock']).toBe('backup');
  });

  it('fails on a dir storage with "snapshot feature is not available"', async () => {
    const r = await api.call('POST', `${N}/lxc/102/snapshot`, { form: { snapname: 'x1' } });
    expect((await api.waitTask(r.json?.data as string))['exitstatus']).toBe('snapshot feature is not available');
  });

  it('refuses reserved names before the task and bad names as 400', async () => {
    const reserved = await api.call('POST', `${N}/lxc/101/snapshot`, { form: { snapname: 'vzdump' } });
    expect([reserved.status, reserved.reason]).toEqual([500, "unable to use snapshot name 'vzdump' (reserved name)"]);
    const bad = await api.call('POST', `${N}/lxc/101/snapshot`, { form: { snapname: '1x' } });
    expect([bad.status, bad.json?.errors]).toEqual([400, { snapname: "invalid format - invalid configuration ID '1x'" }]);
  });

  it('rolls back (vzrollback) and deletes (vzdelsnapshot) through the same operations', async () => {
    const vol = resolveVolume(await loadStorageCfg(sb.paths), 'local-btrfs:subvol-101-disk-0').path;
    writeFileSync(join(vol, 'srv/version'), '2\n');
    const rb = await api.call('POST', `${N}/lxc/101/snapshot/before/rollback`);
    expect(UPID_RE.exec(rb.json?.data as string)?.[1]).toBe('vzrollback');
    expect((await api.waitTask(rb.json?.data as string))['exitstatus']).toBe('OK');
    expect(readFileSync(join(vol, 'srv/version'), 'utf8')).toBe('1\n');
    const del = await api.call('DELETE', `${N}/lxc/101/snapshot/before`);
    expect(UPID_RE.exec(del.json?.data as string)?.[1]).toBe('vzdelsnapshot');
    expect((await api.waitTask(del.json?.data as string))['exitstatus']).toBe('OK');
    const conf = loadConfig(sb.paths, 101);
    expect(Object.keys(conf.snapshots)).toEqual([]);
    expect(conf.keys['parent']).toBeUndefined();
    const gone = await api.call('DELETE', `${N}/lxc/101/snapshot/before`);
    expect((await api.waitTask(gone.json?.data as string))['exitstatus']).toBe("snapshot 'before' does not exist");
  });

  it('backs up with vzdump (log lines as vzdump prints them) and restores with POST /lxc restore=1', async () => {
    const r = await api.call('POST', `${N}/vzdump`, { form: { vmid: '102', storage: 'local', mode: 'snapshot', compress: 'gzip' } });
    const upid = r.json?.data as string;
    expect(UPID_RE.exec(upid)?.slice(1)).toEqual(['vzdump', '102']);
    const st = await api.waitTask(upid);
    const log = await taskLog(upid);
    expect(st['exitstatus']).toBe('OK');
    expect(log[0]).toBe('INFO: starting new backup job: vzdump 102 --compress gzip --mode snapshot --storage local');
    expect(log).toContain('INFO: status = stopped');
    expect(log).toContain('INFO: backup mode: stop');
    const archive = /^INFO: creating vzdump archive '(.+)'$/.exec(
      log.find((l) => l.startsWith('INFO: creating vzdump archive')) ?? '',
    )?.[1];
    expect(archive).toMatch(/\/dump\/vzdump-lxc-102-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.tar\.gz$/);
    expect(log.slice(-2)).toEqual(['INFO: Backup job finished successfully', 'TASK OK']);

    const volid = `local:backup/${archive!.split('/').pop()}`;
    const content = await api.call('GET', `${N}/storage/local/content`, { query: { content: 'backup', vmid: '102' } });
    expect(content.json?.data).toEqual([
      expect.objectContaining({ volid, content: 'backup', format: 'tar.gz', vmid: 102, subtype: 'lxc' }),
    ]);
    expect((await api.call('GET', `${N}/storage/local/content`, { query: { vmid: '101' } })).json?.data).toEqual([]);
    const res = await api.call('POST', `${N}/lxc`, { form: { vmid: '105', ostemplate: volid, restore: '1', storage: 'local' } });
    expect(UPID_RE.exec(res.json?.data as string)?.slice(1)).toEqual(['vzrestore', '105']);
    expect((await api.waitTask(res.json?.data as string))['exitstatus']).toBe('OK');
    expect(loadConfig(sb.paths, 105).keys['hostname']).toBe('dir102');
    const vol = resolveVolume(await loadStorageCfg(sb.paths), 'local:105/subvol-105-disk-0.subvol').path;
    expect(readFileSync(join(vol, 'data/file'), 'utf8')).toBe('payload\n');
    const again = await api.call('POST', `${N}/lxc`, { form: { vmid: '105', ostemplate: volid, restore: '1' } });
    expect([again.status, again.reason]).toEqual([500, `CT 105 already exists on node '${TEST_NODE}'`]);
  });

  it('pages a task log with start/limit and reports the total', async () => {
    const r = await api.call('POST', `${N}/vzdump`, { form: { vmid: '102', storage: 'local' } });
    const upid = r.json?.data as string;
    await api.waitTask(upid);
    const page = await api.call('GET', `${N}/tasks/${encodeURIComponent(upid)}/log`, { query: { start: '2', limit: '3' } });
    const lines = page.json?.data as Array<{ n: number; t: string }>;
    expect(lines.map((l) => l.n)).toEqual([3, 4, 5]);
    expect(page.json?.total).toBe((await taskLog(upid)).length);
    const all = await api.call('GET', `${N}/tasks/${encodeURIComponent(upid)}/log`, { query: { limit: '0' } });
    expect(dataOf<unknown[]>(all).length).toBe(all.json?.total);
  });

  it('answers 400 for an unparsable or unknown UPID', async () => {
    const bad = await api.call('GET', `${N}/tasks/nope/status`);
    expect([bad.status, bad.json?.errors]).toEqual([400, { upid: 'unable to parse worker upid' }]);
    const unknown = await api.call(
      'GET',
      `${N}/tasks/${encodeURIComponent('UPID:pve-test:00000001:00000002:00000003:vzsnapshot:101:unrot@pve!unrot:')}/status`,
    );
    expect([unknown.status, unknown.json?.errors]).toEqual([400, { upid: 'no such task' }]);
  });
});

describe('least privilege', () => {
  it('gives a VM.Audit-only token reads and 403s naming the missing privilege', async () => {
    const ro = api.token('audit@pve!ro', [{ path: '/vms', privs: ['VM.Audit'], propagate: true }]);
    expect((await api.call('GET', `${N}/lxc/101/config`, { auth: ro })).status).toBe(200);
    const snap = await api.call('POST', `${N}/lxc/101/snapshot`, { auth: ro, form: { snapname: 'x1' } });
    expect([snap.status, snap.reason]).toEqual([403, 'Permission check failed (/vms/101, VM.Snapshot)']);
    expect(snap.json).toEqual({ data: null, message: 'Permission check failed (/vms/101, VM.Snapshot)\n' });
    const rb = await api.call('POST', `${N}/lxc/101/snapshot/x1/rollback`, { auth: ro });
    expect(rb.reason).toBe('Permission check failed (/vms/101, VM.Snapshot|VM.Snapshot.Rollback)');
    const dump = await api.call('POST', `${N}/vzdump`, { auth: ro, form: { vmid: '101', storage: 'local' } });
    expect(dump.reason).toBe('Permission check failed (/vms/101, VM.Backup)');
    expect((await api.call('GET', `${N}/status`, { auth: ro })).reason).toBe(`Permission check failed (/nodes/${TEST_NODE}, Sys.Audit)`);
    expect((await api.call('GET', `${N}/storage`, { auth: ro })).json?.data).toEqual([]);
    expect((await api.call('GET', '/access/permissions', { auth: ro })).json?.data).toEqual({ '/vms': { 'VM.Audit': 1 } });
  });

  it('lists only the CTs a token may audit, and keeps other users out of its tasks', async () => {
    const one = api.token('one@pve!tk', [{ path: '/vms/102', privs: ['VM.Audit', 'VM.Snapshot'], propagate: true }]);
    const list = (await api.call('GET', `${N}/lxc`, { auth: one })).json?.data as Array<Record<string, unknown>>;
    expect(list.map((c) => c['vmid'])).toEqual([102]);
    const r = await api.call('POST', `${N}/lxc/102/snapshot`, { auth: one, form: { snapname: 'y1' } });
    const upid = r.json?.data as string;
    expect((await api.waitTask(upid, one))['user']).toBe('one@pve!tk');
    const ro = api.token('audit@pve!ro2', [{ path: '/vms', privs: ['VM.Audit'], propagate: true }]);
    const other = await api.call('GET', `${N}/tasks/${encodeURIComponent(upid)}/status`, { auth: ro });
    expect(other.reason).toBe(`Permission check failed (/nodes/${TEST_NODE}, Sys.Audit)`);
  });
});
