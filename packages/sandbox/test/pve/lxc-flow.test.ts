/**
 * The stand-in over real LXC: a loop-mounted btrfs under a temp sandbox root, CTs made from a
 * debootstrapped minbase rootfs, and the bins driving lxc-start/attach/freeze and btrfs
 * snapshots as Proxmox's pct/vzdump do. Needs root, lxc, btrfs-progs, debootstrap, rsync, zstd.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer } from '../../src/pve/create-container.js';
import { createTestSandbox, ensureTestRootfs, runBin, TEST_NODE, type TestSandbox } from './helpers.js';

let sb: TestSandbox;
const pct = (...args: string[]) => runBin(sb, 'pct', args);
const SLEEP_INIT: Array<[string, string]> = [['lxc.init.cmd', '/bin/sleep infinity']];
const subvol = (vmid: number) => join(sb.paths.btrfsPath, 'images', String(vmid), `subvol-${vmid}-disk-0`);
const conf = (vmid: number) => readFileSync(sb.paths.confPath(vmid), 'utf8');

function lxcState(vmid: number): string {
  return spawnSync('lxc-info', ['-P', sb.paths.lxcPath, '-n', String(vmid), '-s', '-H'], { encoding: 'utf8' }).stdout.trim();
}

beforeAll(async () => {
  const rootfs = ensureTestRootfs();
  sb = createTestSandbox();
  const base = { templateDir: rootfs, rawLxc: SLEEP_INIT };
  await createContainer(sb.paths, {
    ...base,
    vmid: 100,
    hostname: 'web01',
    unprivileged: false,
    storage: 'local-btrfs',
    tags: ['prod', 'web'],
  });
  await createContainer(sb.paths, { ...base, vmid: 101, hostname: 'dirct', unprivileged: false, storage: 'local' });
  await createContainer(sb.paths, {
    ...base,
    vmid: 102,
    hostname: 'unpriv',
    unprivileged: true,
    storage: 'local-btrfs',
    description: 'unprivileged CT',
  });
});
afterAll(() => sb?.cleanup());

describe('create and start', () => {
  it('writes Proxmox-format configs and refuses an existing vmid', async () => {
    expect(conf(100)).toBe(
      'arch: amd64\ncores: 1\nhostname: web01\nmemory: 512\nostype: debian\nrootfs: local-btrfs:subvol-100-disk-0,size=8G\nswap: 512\ntags: prod;web\nlxc.init.cmd: /bin/sleep infinity\n',
    );
    expect(conf(101)).toContain('rootfs: local:101/subvol-101-disk-0.subvol,size=0\n');
    expect(conf(102)).toMatch(/^#unprivileged CT\n[\s\S]*unprivileged: 1\n/);
    expect(lstatSync(subvol(102)).uid).toBe(100000);
    expect(statSync(join(subvol(102), 'usr/bin/passwd')).mode & 0o4000).toBe(0o4000);
    await expect(
      createContainer(sb.paths, { vmid: 100, hostname: 'x', unprivileged: false, storage: 'local-btrfs', templateDir: ensureTestRootfs() }),
    ).rejects.toThrow(`CT 100 already exists on node '${TEST_NODE}'`);
  });

  it('starts CTs; pct list and pvesh show them running', async () => {
    for (const vmid of ['100', '101', '102']) expect(await pct('start', vmid)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await pct('start', '100')).toEqual({ code: 255, stdout: '', stderr: 'CT 100 already running\n' });
    expect((await pct('list')).stdout).toBe(
      'VMID       Status     Lock         Name                \n' +
        '100        running                 web01               \n' +
        '101        running                 dirct               \n' +
        '102        running                 unpriv              \n',
    );
    const json = JSON.parse((await runBin(sb, 'pvesh', ['get', `/nodes/${TEST_NODE}/lxc`, '--output-format', 'json'])).stdout) as Array<
      Record<string, unknown>
    >;
    const ct100 = json.find((e) => e['vmid'] === 100)!;
    expect(ct100['status']).toBe('running');
    expect(ct100['pid']).toEqual(expect.any(Number));
    expect(ct100['tags']).toBe('prod;web');
    expect(ct100['mem']).toEqual(expect.any(Number));
    expect(ct100['maxdisk'] as number).toBeGreaterThan(0);
    expect((await pct('status', '100')).stdout).toBe('status: running\n');
  });
});

describe('pct exec', () => {
  it('passes stdout and the exit code through (0, 3, 127 with lxc-attach message)', async () => {
    expect(await pct('exec', '100', '--', 'cat', '/etc/hostname')).toMatchObject({ code: 0, stderr: '' });
    expect(await pct('exec', '100', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3')).toEqual({
      code: 3,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    const missing = await pct('exec', '100', '--', 'no-such-command');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/lxc-attach: 100: .*Failed to exec "no-such-command"/);
  });

  it("passes lxc-attach's own status through for a file that is not executable", async () => {
    // The reference says 126 (newer LXC); LXC 5.0.2 here answers 127. pct must return whatever lxc-attach does.
    const direct = spawnSync('lxc-attach', ['-P', sb.paths.lxcPath, '-n', '100', '--', '/etc/hostname'], { stdio: 'ignore' });
    const res = await pct('exec', '100', '--', '/etc/hostname');
    expect([126, 127]).toContain(res.code);
    expect(res.code).toBe(direct.status);
  });

  it('passes stdin through and reports 128+signal for a killed command', async () => {
    expect((await runBin(sb, 'pct', ['exec', '100', '--', 'cat'], 'from stdin\n')).stdout).toBe('from stdin\n');
    expect((await pct('exec', '100', '--', 'sh', '-c', 'kill -TERM $$')).code).toBe(143);
  });

  it('keeps the host environment with PATH=/sbin:/bin:/usr/sbin:/usr/bin, or clears it with --keep-env 0', async () => {
    const env = await runBin(sb, 'pct', ['exec', '100', '--', 'env'], undefined, { UNROT_PROBE: 'yes', SSL_CERT_FILE: '/x' });
    expect(env.stdout).toContain('UNROT_PROBE=yes\n');
    expect(env.stdout).toContain('PATH=/sbin:/bin:/usr/sbin:/usr/bin\n');
    expect(env.stdout).not.toMatch(/^SSL_CERT_FILE=/m);
    const cleared = await runBin(sb, 'pct', ['exec', '100', '--keep-env', '0', '--', 'env'], undefined, { UNROT_PROBE: 'yes' });
    expect(cleared.stdout).not.toContain('UNROT_PROBE');
  });

  it('runs as root inside an unprivileged CT whose files are owned by 100000 on the host', async () => {
    expect((await pct('exec', '102', '--', 'id', '-u')).stdout).toBe('0\n');
    expect((await pct('exec', '102', '--', 'sh', '-c', 'echo hi > /root/f')).code).toBe(0);
    expect(statSync(join(subvol(102), 'root/f')).uid).toBe(100000);
  });
});

describe('snapshots, rollback, delsnapshot', () => {
  it('snapshots a running CT (frozen and thawed), committing the config', async () => {
    await pct('exec', '100', '--', 'sh', '-c', 'echo v1 > /root/state');
    expect(await pct('snapshot', '100', 'before', '--description', 'before upgrade')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(lxcState(100)).toBe('RUNNING');
    expect(existsSync(`${subvol(100)}@before`)).toBe(true);
    const c = conf(100);
    expect(c).toContain('\nparent: before\n');
    expect(c).toMatch(/\n\[before\]\n#before upgrade\narch: amd64\n[\s\S]*\nsnaptime: \d+\n/);
    expect(c).not.toContain('snapstate');
    expect(c).not.toContain('lock:');
    expect(await pct('snapshot', '100', 'before')).toEqual({ code: 255, stdout: '', stderr: "snapshot name 'before' already used\n" });
  });

  it('rolls back: hard stop, files back, stays stopped, parent set, later snapshots kept', async () => {
    await pct('exec', '100', '--', 'sh', '-c', 'echo v2 > /root/state');
    expect((await pct('snapshot', '100', 'after')).code).toBe(0);
    expect(await pct('rollback', '100', 'before')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await pct('status', '100')).stdout).toBe('status: stopped\n');
    expect(readFileSync(join(subvol(100), 'root/state'), 'utf8')).toBe('v1\n');
    const c = conf(100);
    expect(c).toContain('\nparent: before\n');
    expect(c).toContain('\n[after]\n');
    expect(c).not.toContain('lock:');
    const tree = (await pct('listsnapshot', '100')).stdout.split('\n');
    expect(tree[0]).toMatch(/^`-> before {22}/);
    expect(tree[1]).toMatch(/^ `-> after {22}\d{4}-/);
    expect(tree[2]).toMatch(/^ `-> current {44}You are here!$/);
  });

  it('rollback --start 1 starts the CT again', async () => {
    await pct('start', '100');
    await pct('exec', '100', '--', 'sh', '-c', 'echo v3 > /root/state');
    expect(await pct('rollback', '100', 'after', '--start', '1')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await pct('status', '100')).stdout).toBe('status: running\n');
    expect((await pct('exec', '100', '--', 'cat', '/root/state')).stdout).toBe('v2\n');
    expect(await pct('rollback', '100', 'nope')).toEqual({ code: 255, stdout: '', stderr: "snapshot 'nope' does not exist\n" });
  });

  it('delsnapshot removes the volume snapshot and re-points parents', async () => {
    // after's parent is before; current's parent is after.
    expect(await pct('delsnapshot', '100', 'before')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(`${subvol(100)}@before`)).toBe(false);
    let c = conf(100);
    expect(c).not.toContain('[before]');
    expect(c).toMatch(/\n\[after\]\n(?![\s\S]*parent:)/);
    expect(await pct('delsnapshot', '100', 'after')).toEqual({ code: 0, stdout: '', stderr: '' });
    c = conf(100);
    expect(c).not.toContain('parent:');
    expect(readdirSync(join(sb.paths.btrfsPath, 'images/100'))).toEqual(['subvol-100-disk-0']);
    expect((await pct('status', '100')).stdout).toBe('status: running\n');
  });

  it('cleans up after a failed volume snapshot and reports the original error', async () => {
    // A directory where the snapshot subvolume would go makes `btrfs subvolume snapshot` fail.
    mkdirSync(`${subvol(100)}@clash`);
    const res = await pct('snapshot', '100', 'clash');
    rmdirSync(`${subvol(100)}@clash`);
    expect(res.code).toBe(255);
    expect(res.stdout).toBe('snapshot create failed: starting cleanup\n');
    expect(res.stderr).toBe(`btrfs error: snapshot target '${subvol(100)}@clash' already exists\n`);
    expect(conf(100)).not.toContain('[clash]');
    expect(conf(100)).not.toContain('lock:');
    expect(lxcState(100)).toBe('RUNNING');
  });

  it('refuses snapshots on the dir storage and while locked', async () => {
    expect(await pct('snapshot', '101', 'snap1')).toEqual({ code: 255, stdout: '', stderr: 'snapshot feature is not available\n' });
    expect(conf(101)).not.toContain('lock:');
    await pct('set', '100', '--lock', 'backup');
    expect(await pct('snapshot', '100', 'snap1')).toEqual({ code: 255, stdout: '', stderr: 'CT is locked (backup)\n' });
    expect(await pct('rollback', '100', 'snap1')).toEqual({ code: 255, stdout: '', stderr: "snapshot 'snap1' does not exist\n" });
    expect((await pct('unlock', '100')).code).toBe(0);
  });
});

describe('vzdump and restore', () => {
  let archive = '';

  it('backs up a running CT in snapshot mode with a temporary vzdump snapshot', async () => {
    await pct('exec', '100', '--', 'sh', '-c', 'echo backed-up > /root/state');
    const res = await runBin(sb, 'vzdump', [
      '100',
      '--storage',
      'local',
      '--compress',
      'zstd',
      '--mode',
      'snapshot',
      '--notes-template',
      '{{guestname}} on {{node}}',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    const m = /^INFO: creating vzdump archive '(.*)'$/.exec(lines.find((l) => l.startsWith('INFO: creating vzdump archive'))!);
    archive = m![1]!;
    expect(archive).toMatch(new RegExp(`^${sb.paths.dumpDir}/vzdump-lxc-100-\\d{4}_\\d\\d_\\d\\d-\\d\\d_\\d\\d_\\d\\d\\.tar\\.zst$`));
    const generic = lines.map((l) =>
      l
        .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, 'TIME')
        .replace(/'.*\.tar\.zst'/, "'ARCHIVE'")
        .replace(/written: .*/, 'written: N')
        .replace(/size: \d+(KB|MB)/, 'size: S')
        .replace(/\(\d\d:\d\d:\d\d\)/, '(DURATION)'),
    );
    expect(generic).toEqual([
      "INFO: starting new backup job: vzdump 100 --storage local --compress zstd --mode snapshot --notes-template '{{guestname}} on {{node}}'",
      'INFO: Starting Backup of VM 100 (lxc)',
      'INFO: Backup started at TIME',
      'INFO: status = running',
      'INFO: CT Name: web01',
      "INFO: including mount point rootfs ('/') in backup",
      'INFO: backup mode: snapshot',
      'INFO: ionice priority: 7',
      "INFO: create storage snapshot 'vzdump'",
      "INFO: creating vzdump archive 'ARCHIVE'",
      'INFO: Total bytes written: N',
      'INFO: archive file size: S',
      'INFO: adding notes to backup',
      "INFO: cleanup temporary 'vzdump' snapshot",
      'INFO: Finished Backup of VM 100 (DURATION)',
      'INFO: Backup finished at TIME',
      'INFO: Backup job finished successfully',
    ]);
    expect(existsSync(`${archive}.dat`)).toBe(false);
    expect(readFileSync(`${archive}.notes`, 'utf8')).toBe(`web01 on ${TEST_NODE}`);
    expect(readFileSync(archive.replace(/\.tar\.zst$/, '.log'), 'utf8')).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO: Starting Backup of VM 100 \(lxc\)\n/,
    );
    expect(existsSync(`${subvol(100)}@vzdump`)).toBe(false);
    const c = conf(100);
    expect(c).not.toContain('lock:');
    expect(c).not.toContain('[vzdump]');
    expect(c).not.toContain('parent:');
    expect(lxcState(100)).toBe('RUNNING');
  });

  it('restores the archive into a new CT and refuses to overwrite a running one', async () => {
    const volid = `local:backup/${archive.split('/').pop()}`;
    const res = await pct('restore', '110', volid, '--storage', 'local-btrfs');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.replace(/Total bytes read: .*\n/, 'Total bytes read: N\n')).toBe(
      `recovering backed-up configuration from '${volid}'\nrestoring '${volid}' now..\nextracting archive '${archive}'\nTotal bytes read: N\nDetected container architecture: amd64\nmerging backed-up and given configuration..\n`,
    );
    expect(conf(110)).toBe(conf(100).replace('subvol-100-disk-0', 'subvol-110-disk-0'));
    expect((await pct('start', '110')).code).toBe(0);
    expect((await pct('exec', '110', '--', 'cat', '/root/state')).stdout).toBe('backed-up\n');
    expect(await pct('restore', '110', volid)).toEqual({ code: 255, stdout: '', stderr: `CT 110 already exists on node '${TEST_NODE}'\n` });
    expect(await pct('restore', '110', volid, '--force', '1')).toEqual({
      code: 255,
      stdout: '',
      stderr: "can't overwrite running container\n",
    });
  });

  it('restore --force replaces a stopped CT, dropping its snapshots', async () => {
    await pct('stop', '110');
    await pct('exec', '100', '--', 'true');
    expect((await pct('snapshot', '110', 'old')).code).toBe(0);
    writeFileSync(join(subvol(110), 'root/state'), 'changed\n');
    const res = await pct('restore', '110', archive, '--storage', 'local-btrfs', '--force', '1');
    expect(res.code).toBe(0);
    expect(conf(110)).not.toContain('[old]');
    expect(existsSync(`${subvol(110)}@old`)).toBe(false);
    expect(readFileSync(join(subvol(110), 'root/state'), 'utf8')).toBe('backed-up\n');
  });

  it('round-trips an unprivileged CT with ids shifted inside the archive', async () => {
    const res = await runBin(sb, 'vzdump', ['102', '--storage', 'local', '--compress', 'zstd']);
    expect(res.code).toBe(0);
    const file = /creating vzdump archive '(.*)'/.exec(res.stdout)![1]!;
    const listing = spawnSync('tar', ['--use-compress-program=zstd', '-tvf', file, './usr/bin/passwd', './root/f'], {
      encoding: 'utf8',
    }).stdout;
    expect(listing).toMatch(/^-rwsr-xr-x 0\/0 /m);
    expect((await pct('restore', '112', file, '--storage', 'local-btrfs')).code).toBe(0);
    expect(statSync(join(subvol(112), 'usr/bin/passwd')).uid).toBe(100000);
    expect(statSync(join(subvol(112), 'usr/bin/passwd')).mode & 0o4000).toBe(0o4000);
    expect(conf(112)).toContain('unprivileged: 1\n');
    expect((await pct('start', '112')).code).toBe(0);
    expect((await pct('exec', '112', '--', 'cat', '/root/f')).stdout).toBe('hi\n');
  });

  it('falls back to suspend mode on the dir storage', async () => {
    const res = await runBin(sb, 'vzdump', ['101', '--storage', 'local', '--compress', 'zstd']);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    const at = lines.indexOf('INFO: mode failure - some volumes do not support snapshots');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 6)).toEqual([
      "INFO: trying 'suspend' mode instead",
      'INFO: backup mode: suspend',
      'INFO: ionice priority: 7',
      'INFO: CT Name: dirct',
      "INFO: including mount point rootfs ('/') in backup",
    ]);
    expect(lines[at + 6]).toMatch(/^INFO: starting first sync \/proc\/\d+\/root\/ to /);
    expect(lines).toContain('INFO: suspending guest');
    expect(lines).toContain('INFO: resuming guest');
    expect(lxcState(101)).toBe('RUNNING');
    expect(conf(101)).not.toContain('lock:');
  }, 120_000);

  it('backs up a stopped CT in stop mode', async () => {
    await pct('stop', '110');
    const res = await runBin(sb, 'vzdump', ['110', '--storage', 'local']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('INFO: status = stopped\nINFO: backup mode: stop\nINFO: ionice priority: 7\nINFO: CT Name: web01\n');
    expect(res.stdout).toMatch(/creating vzdump archive '.*vzdump-lxc-110-.*\.tar'\n/);
  });
});

describe('vzdump stop mode on a running CT', () => {
  it('stops the CT, archives it and starts it again', async () => {
    const res = await runBin(sb, 'vzdump', ['100', '--storage', 'local', '--mode', 'stop', '--stopwait', '0']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      "INFO: status = running\nINFO: backup mode: stop\nINFO: ionice priority: 7\nINFO: CT Name: web01\nINFO: including mount point rootfs ('/') in backup\nINFO: stopping virtual guest\nINFO: creating vzdump archive",
    );
    expect(res.stdout).toMatch(
      /INFO: archive file size: \d+(KB|MB)\nINFO: restarting vm\nINFO: guest is online again after (<1|\d+) seconds\nINFO: Finished Backup/,
    );
    expect(lxcState(100)).toBe('RUNNING');
    expect(conf(100)).not.toContain('lock:');
  });
});

describe('stop and shutdown', () => {
  it('pct shutdown times out on an init that ignores SIGPWR, --forceStop 1 then kills; pct stop kills', async () => {
    // /bin/sleep as PID 1 ignores the shutdown signal, like a CT that hangs on shutdown.
    expect(await pct('shutdown', '102', '--timeout', '2')).toEqual({ code: 255, stdout: '', stderr: 'container did not stop\n' });
    expect((await pct('status', '102')).stdout).toBe('status: running\n');
    expect(await pct('shutdown', '102', '--timeout', '2', '--forceStop', '1')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await pct('status', '102')).stdout).toBe('status: stopped\n');
    expect(await pct('stop', '101')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await pct('status', '101')).stdout).toBe('status: stopped\n');
  }, 60_000);

  it('pct destroy removes the CT, its snapshots and its volume', async () => {
    await pct('stop', '112');
    expect((await pct('snapshot', '112', 'snap1')).code).toBe(0);
    expect(await pct('destroy', '112')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(sb.paths.confPath(112))).toBe(false);
    expect(existsSync(join(sb.paths.btrfsPath, 'images/112'))).toBe(false);
  });
});
