import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixturesDir } from './fixtures.js';
import { run } from './run.js';

export const DEMO_DEB = 'unrot-sandbox-demo';
export const DEMO_DEB_VERSIONS = ['1.0', '1.1'] as const;
/** Offered but not installed by `up`: its 1.1 postinst fails, for the rollback drills. */
export const FRAGILE_DEB = 'unrot-sandbox-fragile';
/** Offered but not installed by `up`: /etc/web-app/mode, `ok` in 1.0 and `broken` in 1.1 (web-app answers 500), for the health drills. */
export const WEBCONF_DEB = 'unrot-sandbox-webconf';
/** Offered but not installed by `up`: /etc/py-app/mode, `ok` in 1.0 and `crash` in 1.1 (py-app exits when it starts), for the restart drills. */
export const PYCONF_DEB = 'unrot-sandbox-pyconf';

/** The line a container's sources list needs to consume the flat repository served on `port`. */
export function aptSourceLine(port: number): string {
  return `deb [trusted=yes] http://127.0.0.1:${port}/ ./`;
}

/**
 * Builds `<name>_<version>_all.deb` from the fixture control file (and `postinst-<version>`, if any) with dpkg-deb;
 * the files of `root-<version>/`, if any, are packaged too (e.g. root-1.1/etc/web-app/mode).
 */
export async function buildDemoDeb(outDir: string, version: string, name: string = DEMO_DEB): Promise<string> {
  const fixture = join(fixturesDir(), 'apt', name);
  const control = (await readFile(join(fixture, 'control'), 'utf8')).replaceAll('@VERSION@', version);
  const postinst = await readFile(join(fixture, `postinst-${version}`), 'utf8').catch(() => undefined);
  const work = await mkdtemp(join(tmpdir(), 'unrot-deb-'));
  try {
    await mkdir(join(work, 'DEBIAN'), { recursive: true });
    await writeFile(join(work, 'DEBIAN', 'control'), control);
    if (postinst !== undefined) await writeFile(join(work, 'DEBIAN', 'postinst'), postinst, { mode: 0o755 });
    const share = join(work, 'usr', 'share', name);
    await mkdir(share, { recursive: true });
    await writeFile(join(share, 'VERSION'), `${version}\n`);
    for (const d of [work, join(work, 'DEBIAN'), join(work, 'usr'), join(work, 'usr', 'share'), share]) await chmod(d, 0o755);
    const tree = join(fixture, `root-${version}`);
    if (await stat(tree).catch(() => undefined)) await cp(tree, work, { recursive: true });
    const out = join(outDir, `${name}_${version}_all.deb`);
    await run(['dpkg-deb', '--root-owner-group', '--build', work, out]);
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A flat apt repository in `dir`: the demo .debs, `Packages(.gz)` from dpkg-scanpackages and a
 * `Release` with checksums (apt-ftparchive would need apt-utils; the few fields are written here).
 */
export async function buildAptRepo(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const version of DEMO_DEB_VERSIONS) await buildDemoDeb(dir, version);
  for (const version of DEMO_DEB_VERSIONS) await buildDemoDeb(dir, version, FRAGILE_DEB);
  for (const version of DEMO_DEB_VERSIONS) await buildDemoDeb(dir, version, WEBCONF_DEB);
  for (const version of DEMO_DEB_VERSIONS) await buildDemoDeb(dir, version, PYCONF_DEB);
  // --multiversion keeps both versions in the index, so apt sees 1.1 as the candidate over 1.0.
  const { stdout } = await run(['dpkg-scanpackages', '--multiversion', '.', '/dev/null'], { cwd: dir });
  const packages = Buffer.from(stdout, 'utf8');
  const packagesGz = gzipSync(packages, { level: 9 });
  await writeFile(join(dir, 'Packages'), packages);
  await writeFile(join(dir, 'Packages.gz'), packagesGz);
  const files: Array<[string, Buffer]> = [
    ['Packages', packages],
    ['Packages.gz', packagesGz],
  ];
  const sums = (algo: string) => files.map(([name, data]) => ` ${createHash(algo).update(data).digest('hex')} ${data.length} ${name}`);
  const release = [
    'Origin: unrot-sandbox',
    'Label: unrot-sandbox',
    `Date: ${new Date().toUTCString().replace('GMT', 'UTC')}`,
    'Architectures: all amd64',
    'MD5Sum:',
    ...sums('md5'),
    'SHA256:',
    ...sums('sha256'),
    '',
  ].join('\n');
  await writeFile(join(dir, 'Release'), release);
}
