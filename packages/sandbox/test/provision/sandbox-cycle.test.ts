import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ContainerPolicySchema, GlobalPolicySchema } from '@unrot/engine/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ctExec } from '../../src/provision/ct.js';
import { type DownResult, down } from '../../src/provision/down.js';
import { run } from '../../src/provision/run.js';
import { type SandboxSettings, sandboxSettings } from '../../src/provision/settings.js';
import { status } from '../../src/provision/status.js';
import { mountsUnder } from '../../src/provision/storage.js';
import { type UpResult, up } from '../../src/provision/up.js';
import { ctPid } from '../../src/pve/lxc.js';
import { tempDir, testPorts } from './helpers.js';

// The whole life of a sandbox on a temp root with real LXC containers, on ports that do not
// collide with a default sandbox that may be running at the same time.
const bin = join(import.meta.dirname, '../../bin/unrot-sandbox');

describe('unrot-sandbox up → status → up → down', () => {
  let s: SandboxSettings;
  let env: NodeJS.ProcessEnv;
  let firstUpSeconds = 0;

  beforeAll(async () => {
    const ports = testPorts();
    // mkdtemp makes a 0700 dir; the unprivileged CT's root (uid 100000) must traverse it.
    const parent = await tempDir('unrot-sandbox-test-');
    await chmod(parent, 0o755);
    env = {
      ...process.env,
      UNROT_SANDBOX_ROOT: join(parent, 'root'),
      UNROT_SANDBOX_APT_PORT: ports.apt,
      UNROT_SANDBOX_PYPI_PORT: ports.pypi,
      UNROT_SANDBOX_WEB_PORT: ports.web,
      UNROT_SANDBOX_PY_PORT: ports.py,
      UNROT_SANDBOX_API_PORT: ports.api,
    };
    s = sandboxSettings(env);
    const r = await up(s);
    firstUpSeconds = r.seconds;
    expect(r.created).toEqual([101, 102]);
  });

  afterAll(async () => {
    // Leaves nothing behind even when a test failed half-way.
    if (s && existsSync(s.paths.root)) await down(s);
    if (s) await rm(join(s.paths.root, '..'), { recursive: true, force: true });
  });

  it('writes Proxmox-format confs for both CTs', async () => {
    const web = await readFile(s.paths.confPath(101), 'utf8');
    expect(web).toMatch(/^hostname: web101$/m);
    expect(web).toMatch(/^rootfs: local-btrfs:subvol-101-disk-0,size=8G$/m);
    expect(web).toMatch(/^tags: prod;web$/m);
    expect(web).not.toMatch(/^unprivileged:/m);
    const py = await readFile(s.paths.confPath(102), 'utf8');
    expect(py).toMatch(/^unprivileged: 1$/m);
    expect(py).toMatch(/^lxc\.init\.cmd: \/usr\/local\/sbin\/sandbox-init$/m);
    expect(existsSync(join(s.paths.btrfsPath, 'images', '102', 'subvol-102-disk-0'))).toBe(true);
  });

  it('status reports both CTs running, healthy, with the demo versions', async () => {
    const st = await status(s);
    expect(st.btrfsMounted).toBe(true);
    expect(st.servers.map((x) => [x.name, x.running])).toEqual([
      ['apt', true],
      ['pypi', true],
    ]);
    expect(st.api).toMatchObject({ running: true, port: Number(env['UNROT_SANDBOX_API_PORT']) });
    const [web, py] = st.containers;
    expect(web).toMatchObject({ vmid: 101, state: 'running', unprivileged: false, health: { status: 200 } });
    expect(web?.versions).toEqual({ 'unrot-sandbox-demo': '1.0', ms: '2.0.0' });
    expect(py).toMatchObject({ vmid: 102, state: 'running', unprivileged: true, health: { status: 200 } });
    expect(py?.versions).toEqual({ 'unrot-sandbox-demo': '1.0', 'unrot-demo-lib': '1.0.0' });
  });

  it('CT 101 runs systemd with web-app.service, and 102 maps root to 100000', async () => {
    expect((await ctExec(s.paths, 101, ['systemctl', 'is-active', 'web-app.service'])).stdout.trim()).toBe('active');
    expect((await ctExec(s.paths, 101, ['systemctl', 'is-enabled', 'web-app.service'])).stdout.trim()).toBe('enabled');
    expect((await ctExec(s.paths, 102, ['cat', '/proc/self/uid_map'])).stdout.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect((await ctExec(s.paths, 102, ['hostname'])).stdout.trim()).toBe('py102');
  });

  it('apt in each CT has 1.0 installed and 1.1 as the candidate', async () => {
    for (const vmid of [101, 102]) {
      const policy = (await ctExec(s.paths, vmid, ['apt-cache', 'policy', 'unrot-sandbox-demo'])).stdout;
      expect(policy).toMatch(/Installed: 1\.0\n/);
      expect(policy).toMatch(/Candidate: 1\.1\n/);
    }
  });

  it('npm outdated in CT 101 shows ms 2.0.0 wanted 2.1.3 (the newest 2.x on the registry)', async () => {
    const r = await ctExec(s.paths, 101, ['npm', 'outdated', '--json'], { cwd: '/opt/web-app', okExitCodes: [1] });
    const ms = (JSON.parse(r.stdout) as Record<string, { current: string; wanted: string }>)['ms'];
    const newest2x = (await ctExec(s.paths, 101, ['npm', 'view', 'ms@^2.0.0', 'version', '--json'], { cwd: '/opt/web-app' })).stdout;
    const versions = JSON.parse(newest2x) as string[] | string;
    const wanted = Array.isArray(versions) ? versions[versions.length - 1] : versions;
    expect(ms).toMatchObject({ current: '2.0.0', wanted });
    expect(wanted).toBe('2.1.3');
    expect(
      JSON.parse(await readFile(join(s.paths.btrfsPath, 'images/101/subvol-101-disk-0/opt/web-app/package.json'), 'utf8')),
    ).toMatchObject({
      dependencies: { ms: '^2.0.0' },
    });
  });

  it('pct exec (PATH=/sbin:/bin:/usr/sbin:/usr/bin, host env kept) finds npm in CT 101 and reaches the registry', async () => {
    const pctEnv = { ...env, PATH: `${join(import.meta.dirname, '../../bin')}:${process.env['PATH']}` };
    const r = await run(['pct', 'exec', '101', '--', 'npm', '--prefix', '/opt/web-app', 'view', 'ms@2.1.3', 'version'], { env: pctEnv });
    expect(r.stdout.trim()).toBe('2.1.3');
  });

  it('pip in CT 102 lists unrot-demo-lib 1.0.0 as outdated by 1.1.0', async () => {
    const r = await ctExec(s.paths, 102, ['/opt/py-app/venv/bin/pip', 'list', '--outdated', '--format=json']);
    expect(JSON.parse(r.stdout)).toContainEqual(
      expect.objectContaining({ name: 'unrot-demo-lib', version: '1.0.0', latest_version: '1.1.0' }),
    );
  });

  it('both /health endpoints answer 200 with the dependency versions', async () => {
    const web = await fetch(`http://127.0.0.1:${s.webPort}/health`);
    expect(web.status).toBe(200);
    expect(await web.json()).toMatchObject({ status: 'ok', ms: '2.0.0', msLoaded: '2.0.0' });
    const py = await fetch(`http://127.0.0.1:${s.pyPort}/health`);
    expect(py.status).toBe(200);
    expect(await py.json()).toMatchObject({ status: 'ok', 'unrot-demo-lib': '1.0.0' });
  });

  it('writes an unrot config that validates against the policy schemas', async () => {
    const global = parse(await readFile(join(s.configDir, 'global.yml'), 'utf8')) as unknown;
    expect(Value.Errors(GlobalPolicySchema, global).First()).toBeUndefined();
    expect(global).toMatchObject({ state_dir: join(s.paths.root, 'unrot-state'), defaults: { runners: { os: 'apt' } } });
    const c101 = parse(await readFile(join(s.configDir, 'containers/101.yml'), 'utf8')) as unknown;
    const c102 = parse(await readFile(join(s.configDir, 'containers/102.yml'), 'utf8')) as unknown;
    for (const c of [c101, c102]) expect(Value.Errors(ContainerPolicySchema, c).First()).toBeUndefined();
    expect(c101).toEqual({ runners: { os: 'apt', npm: { projects: ['/opt/web-app'] } } });
    expect(c102).toEqual({ runners: { os: 'apt', pip: { venvs: ['/opt/py-app/venv'] } } });
  });

  it('the unrot-sandbox bin prints the same status as JSON', async () => {
    const r = await run([bin, 'status', '--json'], { env });
    const st = JSON.parse(r.stdout) as { containers: Array<{ vmid: number; state: string }> };
    expect(st.containers.map((c) => [c.vmid, c.state])).toEqual([
      [101, 'running'],
      [102, 'running'],
    ]);
  });

  it('a second up changes nothing and is fast; a stopped CT is started again', async () => {
    const before = await ctPid(s.paths, 101);
    // Through the bin, as users run it (argument handling, the root lock, --json).
    const again = JSON.parse((await run([bin, 'up', '--json'], { env })).stdout) as UpResult;
    expect(again.created).toEqual([]);
    expect(again.started).toEqual([]);
    expect(again.seconds).toBeLessThan(5);
    expect(again.seconds).toBeLessThan(firstUpSeconds);
    expect(await ctPid(s.paths, 101)).toBe(before);
    await run(['lxc-stop', '-P', s.paths.lxcPath, '-n', '102', '--kill']);
    const third = await up(s);
    expect(third.started).toEqual([102]);
    expect((await fetch(`http://127.0.0.1:${s.pyPort}/health`)).status).toBe(200);
  });

  it('up refuses other ports for an existing sandbox (they are baked into the CTs)', async () => {
    const other = sandboxSettings({ ...env, UNROT_SANDBOX_APT_PORT: String(s.aptPort + 1) });
    await expect(up(other)).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringMatching(/made with other ports \(apt \d+/) });
    expect((await status(s)).servers.find((x) => x.name === 'apt')).toMatchObject({ running: true, port: s.aptPort });
  });

  it('up rebuilds a CT whose provisioning never finished (an interrupted up)', async () => {
    const state = JSON.parse(await readFile(s.stateFile, 'utf8')) as { containers: Array<{ vmid: number; provisioned: boolean }> };
    const marker = join(s.paths.btrfsPath, 'images/102/subvol-102-disk-0/root/left-by-the-old-ct');
    await writeFile(marker, 'x');
    state.containers.find((c) => c.vmid === 102)!.provisioned = false;
    await writeFile(s.stateFile, JSON.stringify(state));
    const r = await up(s);
    expect(r.created).toEqual([102]);
    expect(existsSync(marker)).toBe(false);
    expect((await status(s)).containers[1]).toMatchObject({
      state: 'running',
      health: { status: 200 },
      versions: { 'unrot-demo-lib': '1.0.0' },
    });
  });

  it('down removes everything: CTs, servers, mounts, the root', async () => {
    const pids = [await ctPid(s.paths, 101), await ctPid(s.paths, 102)];
    const servers = (await status(s)).servers.map((x) => ('pid' in x ? x.pid : 0));
    const r = JSON.parse((await run([bin, 'down', '--json'], { env })).stdout) as DownResult;
    expect(r).toMatchObject({ stopped: [101, 102], servers: ['apt', 'pypi', 'api'], removedRoot: true, purgedCache: false });
    expect(existsSync(s.paths.root)).toBe(false);
    expect(await mountsUnder(s.paths.root)).toEqual([]);
    for (const pid of [...pids, ...servers]) expect(pid && existsSync(`/proc/${pid}`)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${s.aptPort}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${s.webPort}/health`)).rejects.toThrow();
    const loops = (await run(['losetup', '-a'])).stdout;
    expect(loops).not.toContain(s.paths.root);
    expect((await status(s)).up).toBe(false);
  });
});
