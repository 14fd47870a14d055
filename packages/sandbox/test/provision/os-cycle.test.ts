import { existsSync } from 'node:fs';
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ctExec } from '../../src/provision/ct.js';
import { down } from '../../src/provision/down.js';
import { publishBrokenUpdate } from '../../src/provision/os-repos.js';
import { type SandboxSettings, sandboxSettings } from '../../src/provision/settings.js';
import { status } from '../../src/provision/status.js';
import { up } from '../../src/provision/up.js';
import { tempDir } from './helpers.js';

// The os group on a temp root with real LXC: CT 103 (dnf) and CT 104 (pacman) only
// (UNROT_SANDBOX_CTS=os), on ports apart from the other tests' and a default sandbox's.
describe('unrot-sandbox up with the os group → status → up → down', () => {
  let s: SandboxSettings;

  beforeAll(async () => {
    const parent = await tempDir('unrot-sandbox-os-test-');
    await chmod(parent, 0o755);
    s = sandboxSettings({
      ...process.env,
      UNROT_SANDBOX_ROOT: join(parent, 'root'),
      UNROT_SANDBOX_CTS: 'os',
      UNROT_SANDBOX_APT_PORT: process.env['UNROT_TEST_OS_APT_PORT'] ?? '18631',
      UNROT_SANDBOX_PYPI_PORT: process.env['UNROT_TEST_OS_PYPI_PORT'] ?? '18632',
      UNROT_SANDBOX_RPM_PORT: process.env['UNROT_TEST_OS_RPM_PORT'] ?? '18633',
      UNROT_SANDBOX_PACMAN_PORT: process.env['UNROT_TEST_OS_PACMAN_PORT'] ?? '18634',
      UNROT_SANDBOX_API_PORT: process.env['UNROT_TEST_OS_API_PORT'] ?? '18636',
    });
    const r = await up(s);
    expect(r.created.sort()).toEqual([103, 104]);
  });

  afterAll(async () => {
    if (s && existsSync(s.paths.root)) await down(s);
    if (s) await rm(join(s.paths.root, '..'), { recursive: true, force: true });
  });

  const inCt = async (vmid: number, ...argv: string[]) => (await ctExec(s.paths, vmid, argv)).stdout;

  it('status: both CTs running with 1.0 of both packages, per their own package databases; four servers', async () => {
    const st = await status(s);
    expect(st.containers.map((c) => [c.vmid, c.hostname, c.state, c.tags])).toEqual([
      [103, 'dnf103', 'running', 'dnf;os'],
      [104, 'pac104', 'running', 'os;pacman'],
    ]);
    for (const c of st.containers) {
      expect(c.versions).toEqual({ 'unrot-sandbox-demo': '1.0-1', 'unrot-sandbox-keep': '1.0-1' });
      expect(c.health.url).toBeNull();
    }
    expect(st.servers.map((x) => [x.name, x.running])).toEqual([
      ['apt', true],
      ['pypi', true],
      ['rpm', true],
      ['pacman', true],
    ]);
  });

  it('the CTs use their local repositories the way an admin configures one', async () => {
    expect(await inCt(103, 'cat', '/etc/yum.repos.d/unrot-sandbox.repo')).toContain(`baseurl=http://127.0.0.1:${s.rpmPort}/`);
    expect(await inCt(104, 'cat', '/etc/pacman.conf')).toContain(
      `[unrot-sandbox]\nSigLevel = Optional TrustAll\nServer = http://127.0.0.1:${s.pacmanPort}\n`,
    );
    const dnf = await ctExec(s.paths, 103, ['dnf', '-q', 'check-update'], { okExitCodes: [100] });
    expect(dnf.stdout).toMatch(/^unrot-sandbox-demo\.noarch\s+1\.1-1\s+unrot-sandbox$/m);
    expect(dnf.stderr).not.toContain('Unable to detect release version');
    // The sync database fetched at provisioning already knows 1.1.
    expect((await inCt(104, 'pacman', '-Qu')).split('\n').filter(Boolean).sort()).toEqual([
      'unrot-sandbox-demo 1.0-1 -> 1.1-1',
      'unrot-sandbox-keep 1.0-1 -> 1.1-1',
    ]);
  });

  it('the unrot config lists only CT 103 and 104, with their os runners', async () => {
    const global = parse(await readFile(join(s.configDir, 'global.yml'), 'utf8')) as { targets: { allow: number[] } };
    expect(global.targets.allow).toEqual([103, 104]);
    expect(existsSync(join(s.configDir, 'containers/101.yml'))).toBe(false);
    expect(parse(await readFile(join(s.configDir, 'containers/103.yml'), 'utf8'))).toMatchObject({ runners: { os: 'dnf' } });
    expect(parse(await readFile(join(s.configDir, 'containers/104.yml'), 'utf8'))).toMatchObject({ runners: { os: 'pacman' } });
  });

  it('a second up creates nothing and is quick', async () => {
    const again = await up(s);
    expect(again.created).toEqual([]);
    expect(again.started).toEqual([]);
    expect(again.seconds).toBeLessThan(10);
  });

  it('publishing the broken 1.2 makes the real tools offer it and fail on it', async () => {
    await publishBrokenUpdate(s, 'rpm');
    await publishBrokenUpdate(s, 'pacman');
    const dnf = await ctExec(s.paths, 103, ['dnf', '-y', 'upgrade', 'unrot-sandbox-demo'], { okExitCodes: [1] });
    expect(`${dnf.stdout}${dnf.stderr}`).toContain('Error in PREIN scriptlet in rpm package unrot-sandbox-demo');
    expect(await inCt(103, 'rpm', '-q', 'unrot-sandbox-demo')).toBe('unrot-sandbox-demo-1.0-1.noarch\n');
    const pacman = await ctExec(s.paths, 104, ['pacman', '-Syu', '--noconfirm', '--ignore', 'unrot-sandbox-keep'], { okExitCodes: [1] });
    expect(pacman.stderr).toContain('failed to commit transaction (conflicting files)');
    expect(`${pacman.stdout}${pacman.stderr}`).toContain('/usr/share/unrot-sandbox-keep/VERSION exists in filesystem');
    expect(await inCt(104, 'pacman', '-Q', 'unrot-sandbox-demo')).toBe('unrot-sandbox-demo 1.0-1\n');
  });

  it('down stops the CTs and all four servers and removes the root', async () => {
    const r = await down(s);
    expect(r.stopped.sort()).toEqual([103, 104]);
    expect(r.servers).toEqual(expect.arrayContaining(['apt', 'pypi', 'rpm', 'pacman']));
    expect(existsSync(s.paths.root)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${s.rpmPort}/`)).rejects.toThrow();
  });
});
