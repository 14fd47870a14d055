/**
 * The bins as users call them, on a sandbox root with configs but without running containers:
 * exact stdout/stderr/exit codes for errors, locks, configs and host views (pct-reference.md).
 * Real LXC flows are in lxc-flow.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSandbox, runBin, TEST_NODE, type TestSandbox } from './helpers.js';

let sb: TestSandbox;
const pct = (...args: string[]) => runBin(sb, 'pct', args);

function writeConf(vmid: number, text: string): void {
  mkdirSync(sb.paths.confDir, { recursive: true });
  writeFileSync(sb.paths.confPath(vmid), text);
}

beforeAll(() => {
  sb = createTestSandbox({ btrfs: false });
});
afterAll(() => sb?.cleanup());

describe('with no containers', () => {
  it('pct list prints nothing at all and exits 0', async () => {
    expect(await pct('list')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('pvesh lists no containers as []', async () => {
    expect(await runBin(sb, 'pvesh', ['get', `/nodes/${TEST_NODE}/lxc`, '--output-format', 'json'])).toEqual({
      code: 0,
      stdout: '[]\n',
      stderr: '',
    });
  });

  it('an unknown CT fails with the AbstractConfig message on stderr', async () => {
    for (const args of [
      ['status', '100'],
      ['config', '100'],
      ['exec', '100', '--', 'true'],
      ['snapshot', '100', 'snap1'],
      ['listsnapshot', '100'],
    ]) {
      expect(await pct(...args)).toEqual({
        code: 255,
        stdout: '',
        stderr: `Configuration file 'nodes/${TEST_NODE}/lxc/100.conf' does not exist\n`,
      });
    }
  });

  it('has no JSON form of pct list', async () => {
    expect(await pct('list', '--output-format', 'json')).toEqual({
      code: 255,
      stdout: '',
      stderr: 'Unknown option: output-format\n400 unable to parse option\npct list\n',
    });
  });

  it('validates snapshot names before anything else', async () => {
    expect((await pct('snapshot', '100', '1x')).stderr).toBe(
      "400 Parameter verification failed.\nsnapname: invalid format - invalid configuration ID '1x'\npct snapshot <vmid> <snapname> [OPTIONS]\n",
    );
    expect((await pct('snapshot', '100', `a${'b'.repeat(40)}`)).stderr).toBe(
      '400 Parameter verification failed.\nsnapname: value may only be 40 characters long\npct snapshot <vmid> <snapname> [OPTIONS]\n',
    );
    for (const name of ['current', 'vzdump']) {
      expect(await pct('snapshot', '100', name)).toEqual({
        code: 255,
        stdout: '',
        stderr: `unable to use snapshot name '${name}' (reserved name)\n`,
      });
    }
  });

  it('rejects --current together with --snapshot', async () => {
    const res = await pct('config', '100', '--current', '1', '--snapshot', 'x');
    expect(res.code).toBe(255);
    expect(res.stderr).toBe(
      "400 Parameter verification failed.\nsnapshot: cannot use 'snapshot' parameter with 'current'\npct config <vmid> [OPTIONS]\n",
    );
  });

  it('checks the VMID range', async () => {
    expect((await pct('status', '99')).stderr).toBe(
      '400 Parameter verification failed.\nvmid: value must have a minimum value of 100\npct status <vmid> [OPTIONS]\n',
    );
  });
});

describe('with configs on disk', () => {
  const CONF_100 = `#web server
#second line%3A 100%25
arch: amd64
cores: 2
hostname: web01
memory: 2048
parent: second
rootfs: local-btrfs:subvol-100-disk-0,size=8G
swap: 512
tags: db;prod
unprivileged: 1
lxc.init.cmd: /bin/sleep infinity

[first]
#before upgrade
hostname: web01
rootfs: local-btrfs:subvol-100-disk-0,size=8G
snaptime: 1714557600

[second]
hostname: web01
parent: first
rootfs: local-btrfs:subvol-100-disk-0,size=8G
snaptime: 1714649400
`;

  beforeAll(() => {
    writeConf(100, CONF_100);
    writeConf(101, 'hostname: db 01\nmemory: 512\nrootfs: local:101/subvol-101-disk-0.subvol,size=0\nswap: 0\n');
  });

  it('pct config prints sorted keys, the encoded description and raw lxc lines last', async () => {
    expect(await pct('config', '100')).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'arch: amd64\ncores: 2\ndescription: web server%0Asecond line%3A 100%25%0A\nhostname: web01\nmemory: 2048\nparent: second\n' +
        'rootfs: local-btrfs:subvol-100-disk-0,size=8G\nswap: 512\ntags: db;prod\nunprivileged: 1\nlxc.init.cmd: /bin/sleep infinity\n',
    });
  });

  it('pct config --snapshot shows that section with snaptime and description', async () => {
    expect((await pct('config', '100', '--snapshot', 'first')).stdout).toBe(
      'description: before upgrade%0A\nhostname: web01\nrootfs: local-btrfs:subvol-100-disk-0,size=8G\nsnaptime: 1714557600\n',
    );
    expect(await pct('config', '100', '--snapshot', 'nope')).toEqual({ code: 255, stdout: '', stderr: "snapshot 'nope' does not exist\n" });
  });

  it('pct list names CTs by hostname with whitespace removed', async () => {
    expect((await pct('list')).stdout).toBe(
      'VMID       Status     Lock         Name                \n' +
        '100        stopped                 web01               \n' +
        '101        stopped                 db01                \n',
    );
  });

  it('pct status prints the state; --verbose the sorted vmstatus keys', async () => {
    expect(await pct('status', '100')).toEqual({ code: 0, stdout: 'status: stopped\n', stderr: '' });
    const verbose = (await pct('status', '100', '--verbose')).stdout;
    expect(verbose).toContain('maxmem: 2147483648\n');
    expect(verbose).toContain('name: web01\n');
    expect(verbose).not.toContain('cpu: ');
  });

  it('pct listsnapshot prints the tree with current under the parent', async () => {
    const out = (await pct('listsnapshot', '100')).stdout.split('\n');
    expect(out[0]).toMatch(/^`-> first {23}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}before upgrade$/);
    expect(out[1]).toMatch(/^ `-> second {21}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}no-description$/);
    expect(out[2]).toBe(`  \`-> ${'current'.padEnd(25)} ${''.padEnd(23)} You are here!`);
  });

  it('pvesh returns one canonical JSON line per the API', async () => {
    const res = await runBin(sb, 'pvesh', ['get', `/nodes/${TEST_NODE}/lxc`, '--output-format', 'json']);
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n')).toHaveLength(2);
    const list = JSON.parse(res.stdout) as Array<Record<string, unknown>>;
    expect(list.map((e) => e['vmid'])).toEqual([100, 101]);
    expect(res.stdout).toContain(
      '{"cpu":0,"cpus":2,"disk":0,"diskread":0,"diskwrite":0,"maxdisk":8589934592,"maxmem":2147483648,"maxswap":536870912,"mem":0,"name":"web01","netin":0,"netout":0,"status":"stopped","swap":0,"tags":"db;prod","type":"lxc","uptime":0,"vmid":100}',
    );
  });

  it('locks: set, shown by pct list, blocking snapshot, removed by unlock', async () => {
    expect(await pct('set', '100', '--lock', 'backup')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await pct('list')).stdout.split('\n')[1]).toBe('100        stopped    backup       web01               ');
    expect(await pct('snapshot', '100', 'third')).toEqual({ code: 255, stdout: '', stderr: 'CT is locked (backup)\n' });
    expect(await pct('start', '100')).toEqual({ code: 255, stdout: '', stderr: 'CT is locked (backup)\n' });
    expect(readFileSync(sb.paths.confPath(100), 'utf8')).toContain('\nlock: backup\n');
    expect(await pct('unlock', '100')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await pct('unlock', '100')).toEqual({ code: 255, stdout: '', stderr: 'no lock found trying to remove any lock\n' });
    expect(readFileSync(sb.paths.confPath(100), 'utf8')).toBe(CONF_100);
  });

  it('pct set --lock validates the lock enum; snapshot-delete overflows the list column', async () => {
    const bad = await pct('set', '100', '--lock', 'bogus');
    expect(bad.code).toBe(255);
    expect(bad.stderr).toContain(
      "lock: value 'bogus' does not have a value in the enumeration 'backup, create, destroyed, disk, fstrim, migrate, mounted, rollback, snapshot, snapshot-delete'",
    );
    await pct('set', '100', '--lock', 'snapshot-delete');
    expect((await pct('list')).stdout.split('\n')[1]).toBe('100        stopped    snapshot-delete web01               ');
    await pct('set', '100', '--delete', 'lock');
    expect(readFileSync(sb.paths.confPath(100), 'utf8')).toBe(CONF_100);
  });

  it('a snapshot on the dir storage fails with "snapshot feature is not available" and leaves the config alone', async () => {
    const before = readFileSync(sb.paths.confPath(101), 'utf8');
    expect(await pct('snapshot', '101', 'snap1')).toEqual({ code: 255, stdout: '', stderr: 'snapshot feature is not available\n' });
    expect(readFileSync(sb.paths.confPath(101), 'utf8')).toBe(before);
  });

  it('a snapshot name already used is refused after the lock check', async () => {
    expect(await pct('snapshot', '100', 'first')).toEqual({ code: 255, stdout: '', stderr: "snapshot name 'first' already used\n" });
  });

  it('refuses a snapshot when a mount point is a bind mount, like a dir volume', async () => {
    writeConf(103, 'hostname: bind\nmp0: /srv/data,mp=/data\nrootfs: local-btrfs:subvol-103-disk-0,size=8G\n');
    expect(await pct('snapshot', '103', 'snap1')).toEqual({ code: 255, stdout: '', stderr: 'snapshot feature is not available\n' });
  });

  it('refuses to roll back to an incomplete snapshot, and delsnapshot on a locked CT', async () => {
    writeConf(
      104,
      'hostname: half\nlock: backup\nrootfs: local-btrfs:subvol-104-disk-0,size=8G\n\n[half]\nrootfs: local-btrfs:subvol-104-disk-0,size=8G\nsnapstate: prepare\nsnaptime: 1\n',
    );
    expect(await pct('rollback', '104', 'half')).toEqual({
      code: 255,
      stdout: '',
      stderr: 'unable to rollback to incomplete snapshot (snapstate = prepare)\n',
    });
    expect(await pct('delsnapshot', '104', 'half')).toEqual({ code: 255, stdout: '', stderr: 'CT is locked (backup)\n' });
    expect(await pct('delsnapshot', '104', 'nope')).toEqual({ code: 255, stdout: '', stderr: "snapshot 'nope' does not exist\n" });
  });

  it('pct exec, stop and shutdown need a running CT', async () => {
    expect(await pct('exec', '100', '--', 'true')).toEqual({ code: 255, stdout: '', stderr: "container '100' not running!\n" });
    expect(await pct('stop', '100')).toEqual({ code: 255, stdout: '', stderr: 'CT 100 not running\n' });
    expect(await pct('shutdown', '100')).toEqual({ code: 255, stdout: '', stderr: 'CT 100 not running\n' });
  });

  it('vzdump on a locked CT reports the job error like Proxmox', async () => {
    await pct('set', '101', '--lock', 'snapshot');
    const res = await runBin(sb, 'vzdump', ['101', '--storage', 'local']);
    await pct('unlock', '101');
    expect(res.code).toBe(255);
    expect(res.stderr).toBe('job errors\n');
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe('INFO: starting new backup job: vzdump 101 --storage local');
    expect(lines[1]).toBe('INFO: Starting Backup of VM 101 (lxc)');
    expect(lines[2]).toMatch(/^INFO: Backup started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(lines[3]).toBe('ERROR: Backup of VM 101 failed - CT is locked (snapshot)');
    expect(lines[4]).toMatch(/^INFO: Failed at \d{4}-/);
    expect(lines.slice(5)).toEqual(['INFO: Backup job finished with errors', '']);
  });

  it('pct restore refuses an existing vmid without --force', async () => {
    const archive = join(sb.paths.dumpDir, 'vzdump-lxc-100-2025_01_01-00_00_00.tar');
    writeFileSync(archive, '');
    expect(await pct('restore', '100', archive)).toEqual({
      code: 255,
      stdout: '',
      stderr: `CT 100 already exists on node '${TEST_NODE}'\n`,
    });
  });

  it("the config flock times out after 10 s with Proxmox's message", async () => {
    const lockFile = join(sb.paths.lockDir, 'pve-config-101.lock');
    mkdirSync(sb.paths.lockDir, { recursive: true });
    const holder = spawn('flock', [lockFile, 'sleep', '20'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const res = await pct('set', '101', '--lock', 'backup');
    holder.kill();
    expect(res).toEqual({ code: 255, stdout: '', stderr: `can't lock file '${lockFile}' - got timeout\n` });
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
  }, 30_000);
});

describe('host views', () => {
  it('pvesm status lists both storages with statfs values and the PVE 9.1 header', async () => {
    const res = await runBin(sb, 'pvesm', ['status']);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Name               Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %');
    expect(lines[1]).toMatch(/^local {15}dir {5}active +\d+ +\d+ +\d+ +\d+\.\d\d%$/);
    expect(lines[2]).toMatch(/^local-btrfs {7}btrfs {5}active +\d+ +\d+ +\d+ +\d+\.\d\d%$/);
    const legacy = await runBin(sb, 'pvesm', ['status'], undefined, { UNROT_SANDBOX_PVESM_HEADER: 'legacy' });
    expect(legacy.stdout.split('\n')[0]).toBe(
      'Name               Type     Status           Total            Used       Available        %',
    );
  });

  it('pvesh node status comes from the real host, loadavg as strings', async () => {
    const res = await runBin(sb, 'pvesh', ['get', `/nodes/${TEST_NODE}/status`, '--output-format', 'json']);
    expect(res.code).toBe(0);
    const s = JSON.parse(res.stdout) as {
      loadavg: unknown;
      memory: { total: number };
      rootfs: { total: number };
      cpuinfo: { cpus: number };
      'current-kernel': { sysname: string };
    };
    expect(s['loadavg']).toEqual(
      readFileSync('/proc/loadavg', 'utf8')
        .split(' ')
        .slice(0, 3)
        .map(() => expect.any(String)),
    );
    expect(s['memory'].total).toBeGreaterThan(0);
    expect(s['rootfs'].total).toBeGreaterThan(0);
    expect(s['cpuinfo'].cpus).toBeGreaterThan(0);
    expect(s['current-kernel'].sysname).toBe('Linux');
    expect(Object.keys(s)).toEqual([...Object.keys(s)].sort());
  });

  it('pvesh fails clearly for paths the sandbox does not serve', async () => {
    const res = await runBin(sb, 'pvesh', ['get', '/cluster/resources', '--output-format', 'json']);
    expect(res.code).toBe(255);
    expect(res.stderr).toContain("no such path '/cluster/resources'");
  });
});
