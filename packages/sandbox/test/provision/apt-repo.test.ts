import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptSourceLine, buildAptRepo, DEMO_DEB } from '../../src/provision/apt-repo.js';
import { run } from '../../src/provision/run.js';
import { ensureServer, stopServer } from '../../src/provision/servers.js';
import { DEFAULT_CACHE_DIR } from '../../src/provision/settings.js';
import { ensureTemplate } from '../../src/provision/template.js';
import { tempDir } from './helpers.js';

// Real apt in a chroot of the sandbox template (an overlay, so the cached template stays untouched)
// against the local repository served over HTTP on 127.0.0.1.
describe('the local apt repository', () => {
  let dir: string;
  let merged: string;
  const port = Number(process.env['UNROT_TEST_APT_ONLY_PORT'] ?? 28431);

  beforeAll(async () => {
    dir = await tempDir('unrot-apt-');
    await buildAptRepo(join(dir, 'repo'));
    await ensureServer(join(dir, 'run'), join(dir, 'log'), 'apt', join(dir, 'repo'), port);
    const template = await ensureTemplate(process.env['UNROT_SANDBOX_CACHE'] || DEFAULT_CACHE_DIR);
    merged = join(dir, 'merged');
    for (const d of ['upper', 'work', 'merged']) await mkdir(join(dir, d));
    await run([
      'mount',
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${template.dir},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`,
      merged,
    ]);
    await writeFile(join(merged, 'etc/apt/sources.list.d/unrot-sandbox.list'), `${aptSourceLine(port)}\n`);
  });

  afterAll(async () => {
    await stopServer(join(dir, 'run'), 'apt');
    if (merged) await run(['umount', merged], { okExitCodes: [0, 32] });
    await rm(dir, { recursive: true, force: true });
  });

  const chroot = (...argv: string[]) =>
    run(['chroot', merged, ...argv], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8' },
    });

  it('indexes both versions and writes a Release with checksums', async () => {
    const packages = await readFile(join(dir, 'repo', 'Packages'), 'utf8');
    expect(packages.match(/^Package: unrot-sandbox-demo$/gm)).toHaveLength(2);
    expect(packages).toMatch(/^Version: 1\.0$/m);
    expect(packages).toMatch(/^Version: 1\.1$/m);
    const release = await readFile(join(dir, 'repo', 'Release'), 'utf8');
    expect(release).toMatch(/^SHA256:\n [0-9a-f]{64} \d+ Packages\n/m);
    expect(existsSync(join(dir, 'repo', `${DEMO_DEB}_1.1_all.deb`))).toBe(true);
  });

  it('apt-get sees 1.1 as the candidate over an installed 1.0, and upgrades to it', async () => {
    // Only the local repo: the test is about it, not about Debian's mirror.
    const onlyLocal = ['-o', 'Dir::Etc::sourcelist=sources.list.d/unrot-sandbox.list', '-o', 'Dir::Etc::sourceparts=-'];
    await chroot('apt-get', 'update', '-q', ...onlyLocal);
    await chroot('apt-get', 'install', '-y', '-q', `${DEMO_DEB}=1.0`);
    const policy = (await chroot('apt-cache', 'policy', DEMO_DEB)).stdout;
    expect(policy).toMatch(/Installed: 1\.0\n/);
    expect(policy).toMatch(/Candidate: 1\.1\n/);
    const sim = (await chroot('apt-get', '-s', 'upgrade')).stdout;
    expect(sim).toMatch(/^Inst unrot-sandbox-demo \[1\.0\] \(1\.1 /m);
    await chroot('apt-get', 'install', '-y', '-q', '--only-upgrade', DEMO_DEB);
    expect(await readFile(join(merged, 'usr/share/unrot-sandbox-demo/VERSION'), 'utf8')).toBe('1.1\n');
  });
});
