import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOsPackages, OS_DEMO, OS_KEEP, pacmanFileName, RPM_BASE, rpmFileName } from '../../src/provision/os-packages.js';
import { buildPacmanRepo, buildRpmRepo, PACMAN_REPO, unpublishedDir } from '../../src/provision/os-repos.js';
import { run } from '../../src/provision/run.js';
import { ensureServer, stopServer } from '../../src/provision/servers.js';
import { DEFAULT_CACHE_DIR } from '../../src/provision/settings.js';
import { tempDir } from './helpers.js';

// The dnf and pacman repositories of CT 103/104, built from the cached packages, served over
// HTTP on 127.0.0.1 and consumed by the host's own dnf (an --installroot) and pacman (its own
// --root and --dbpath): the packages and the metadata work with the real tools, no LXC needed.
describe('the local RPM and pacman repositories', () => {
  let dir: string;
  const rpmPort = Number(process.env['UNROT_TEST_RPM_ONLY_PORT'] ?? 28433);
  const pacmanPort = Number(process.env['UNROT_TEST_PACMAN_ONLY_PORT'] ?? 28434);
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C', HOME: '/root' };
  let cached: { dir: string; built: boolean };

  beforeAll(async () => {
    dir = await tempDir('unrot-os-repos-');
    cached = await ensureOsPackages(process.env['UNROT_SANDBOX_CACHE'] || DEFAULT_CACHE_DIR);
    await buildRpmRepo(join(dir, 'rpm'), cached.dir);
    await buildPacmanRepo(join(dir, 'pacman'), cached.dir);
    await ensureServer(join(dir, 'run'), join(dir, 'log'), 'rpm', join(dir, 'rpm'), rpmPort);
    await ensureServer(join(dir, 'run'), join(dir, 'log'), 'pacman', join(dir, 'pacman'), pacmanPort);
  });

  afterAll(async () => {
    await stopServer(join(dir, 'run'), 'rpm');
    await stopServer(join(dir, 'run'), 'pacman');
    await rm(dir, { recursive: true, force: true });
  });

  it('a second ensureOsPackages reuses the cache', async () => {
    const again = await ensureOsPackages(process.env['UNROT_SANDBOX_CACHE'] || DEFAULT_CACHE_DIR);
    expect(again).toMatchObject({ dir: cached.dir, built: false });
  });

  it('publishes 1.0 and 1.1 and keeps the broken 1.2 out of both repositories', async () => {
    const rpms = await readdir(join(dir, 'rpm'));
    expect(rpms.filter((f) => f.endsWith('.rpm')).sort()).toEqual(
      [rpmFileName(RPM_BASE, '1.0'), ...['1.0', '1.1'].flatMap((v) => [rpmFileName(OS_DEMO, v), rpmFileName(OS_KEEP, v)])].sort(),
    );
    expect(await readdir(unpublishedDir(join(dir, 'rpm')))).toEqual([rpmFileName(OS_DEMO, '1.2')]);
    expect(await readdir(unpublishedDir(join(dir, 'pacman')))).toEqual([pacmanFileName(OS_DEMO, '1.2')]);
    // The pacman database lists one version per name: the newest published one.
    const db = gunzipSync(await readFile(join(dir, 'pacman', `${PACMAN_REPO}.db.tar.gz`))).toString('latin1');
    expect(db).toContain(`${OS_DEMO}-1.1-1/desc`);
    expect(db).toContain(`${OS_KEEP}-1.1-1/desc`);
    expect(db).not.toContain(`${OS_DEMO}-1.2-1`);
    expect(existsSync(join(dir, 'pacman', pacmanFileName(OS_DEMO, '1.0')))).toBe(true);
  });

  it('dnf installs 1.0 from it, check-update offers 1.1 (exit 100), upgrade installs it', async () => {
    const root = join(dir, 'dnf-root');
    await mkdir(join(root, 'etc', 'yum.repos.d'), { recursive: true });
    const repo = `[unrot-sandbox]\nname=unrot sandbox\nbaseurl=http://127.0.0.1:${rpmPort}/\ngpgcheck=0\n`;
    await writeFile(join(root, 'etc', 'yum.repos.d', 'unrot-sandbox.repo'), repo);
    const dnf = (...args: string[]) =>
      run(['dnf', `--installroot=${root}`, '--releasever=12', `--setopt=reposdir=${root}/etc/yum.repos.d`, '-y', '-q', ...args], {
        env,
        okExitCodes: [0, 100],
      });
    await dnf('install', RPM_BASE, `${OS_DEMO}-1.0`, `${OS_KEEP}-1.0`);
    expect(await readFile(join(root, 'usr/share', OS_DEMO, 'VERSION'), 'utf8')).toBe('1.0\n');
    const check = await dnf('check-update');
    expect(check.exitCode).toBe(100);
    expect(check.stdout).toMatch(new RegExp(`^${OS_DEMO}\\.noarch\\s+1\\.1-1\\s+unrot-sandbox$`, 'm'));
    expect(check.stdout).toMatch(new RegExp(`^${OS_KEEP}\\.noarch\\s+1\\.1-1\\s+unrot-sandbox$`, 'm'));
    await dnf('upgrade', `--exclude=${OS_KEEP}`);
    expect(await readFile(join(root, 'usr/share', OS_DEMO, 'VERSION'), 'utf8')).toBe('1.1\n');
    expect(await readFile(join(root, 'usr/share', OS_KEEP, 'VERSION'), 'utf8')).toBe('1.0\n');
  });

  it('pacman installs 1.0 by URL, -Qu offers 1.1, -Syu --ignore installs only the demo', async () => {
    const root = join(dir, 'pacman-root');
    const dbpath = join(root, 'var/lib/pacman');
    await mkdir(dbpath, { recursive: true });
    await mkdir(join(root, 'var/cache/pacman/pkg'), { recursive: true });
    // [options] as in Debian's /etc/pacman.conf (CT 104): no global SigLevel, pacman's built-in default.
    const conf = join(dir, 'pacman.conf');
    await writeFile(
      conf,
      `[options]\nArchitecture = auto\n\n[${PACMAN_REPO}]\nSigLevel = Optional TrustAll\nServer = http://127.0.0.1:${pacmanPort}\n`,
    );
    const pacman = (...args: string[]) =>
      run(
        [
          'pacman',
          '--root',
          root,
          '--dbpath',
          dbpath,
          '--config',
          conf,
          '--cachedir',
          join(root, 'var/cache/pacman/pkg'),
          '--logfile',
          '/dev/null',
          ...args,
        ],
        { env, okExitCodes: [0] },
      );
    const urls = [OS_DEMO, OS_KEEP].map((n) => `http://127.0.0.1:${pacmanPort}/${pacmanFileName(n, '1.0')}`);
    await pacman('-U', '--noconfirm', '--noprogressbar', ...urls);
    await pacman('-Sy', '--noprogressbar');
    const pending = await pacman('-Qu');
    expect(pending.stdout.trim().split('\n').sort()).toEqual([`${OS_DEMO} 1.0-1 -> 1.1-1`, `${OS_KEEP} 1.0-1 -> 1.1-1`]);
    await pacman('-Syu', '--noconfirm', '--noprogressbar', '--ignore', OS_KEEP);
    expect((await pacman('-Q')).stdout).toBe(`${OS_DEMO} 1.1-1\n${OS_KEEP} 1.0-1\n`);
    expect(await readFile(join(root, 'usr/share', OS_DEMO, 'VERSION'), 'utf8')).toBe('1.1\n');
  });
});
