import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fixturesDir } from './fixtures.js';
import { run } from './run.js';

/** The packages of CT 103 (dnf) and CT 104 (pacman): the same names and versions in both formats. */
export const OS_DEMO = 'unrot-sandbox-demo';
/** Excluded in the sandbox's policy for CT 103/104, so it must stay at 1.0 while the demo moves on. */
export const OS_KEEP = 'unrot-sandbox-keep';
/** RPM only: provides /bin/sh to the RPM database (see fixtures/rpm/base.spec). */
export const RPM_BASE = 'unrot-sandbox-base';
export const OS_VERSIONS = ['1.0', '1.1'] as const;
/** Built with the rest but not published by `up`: the drills publish it to make an update fail. */
export const OS_BROKEN_VERSION = '1.2';

export type OsPackageFormat = 'rpm' | 'pacman';

export interface OsPackageSpec {
  name: string;
  version: string;
  summary: string;
  /** Not in the repository until publishBrokenUpdate(). */
  broken: boolean;
}

export const OS_PACKAGES: readonly OsPackageSpec[] = [
  ...OS_VERSIONS.map((version) => ({ name: OS_DEMO, version, summary: 'unrot sandbox demo package', broken: false })),
  ...OS_VERSIONS.map((version) => ({ name: OS_KEEP, version, summary: 'unrot sandbox package excluded by policy', broken: false })),
  { name: OS_DEMO, version: OS_BROKEN_VERSION, summary: 'unrot sandbox demo package (broken update)', broken: true },
];

export function rpmFileName(name: string, version: string): string {
  return `${name}-${version}-1.noarch.rpm`;
}

export function pacmanFileName(name: string, version: string): string {
  return `${name}-${version}-1-any.pkg.tar.gz`;
}

export function packageFileName(format: OsPackageFormat, name: string, version: string): string {
  return format === 'rpm' ? rpmFileName(name, version) : pacmanFileName(name, version);
}

/** Bump when the recipes below change in a way the fixture texts do not show. */
const RECIPE = 'os-packages/2';

/** A digest of everything the packages are made from, so a cached build is reused only while it matches. */
export async function osPackagesKey(): Promise<string> {
  const hash = createHash('sha256').update(RECIPE).update(JSON.stringify(OS_PACKAGES));
  for (const rel of ['rpm/package.spec', 'rpm/base.spec', 'rpm/pre-fail.spec', 'pacman/PKGBUILD', 'pacman/package-function']) {
    hash.update(rel).update(await readFile(join(fixturesDir(), rel)));
  }
  return hash.digest('hex').slice(0, 16);
}

function fill(template: string, values: Record<string, string>): string {
  return Object.entries(values).reduce((text, [key, value]) => text.replaceAll(`@${key}@`, value), template);
}

/** The spec text of one package: the shared template, plus a failing %pre for the broken update. */
export async function rpmSpec(p: OsPackageSpec): Promise<string> {
  const values = { NAME: p.name, VERSION: p.version, SUMMARY: p.summary };
  const spec = fill(await readFile(join(fixturesDir(), 'rpm', 'package.spec'), 'utf8'), values);
  return p.broken ? spec + fill(await readFile(join(fixturesDir(), 'rpm', 'pre-fail.spec'), 'utf8'), values) : spec;
}

/**
 * The PKGBUILD of the packages of one version (a split package, one makepkg run). A failing
 * install scriptlet does not fail a pacman transaction (pacman prints "error: command failed to
 * execute correctly" and carries on, exit 0), so the broken update fails the way pacman really
 * refuses one: it ships a file another installed package owns, and the transaction stops with
 * "failed to commit transaction (conflicting files)".
 */
export async function pkgbuild(version: string, packages: readonly OsPackageSpec[]): Promise<string> {
  const fn = await readFile(join(fixturesDir(), 'pacman', 'package-function'), 'utf8');
  const functions = packages.map((p) => {
    const extra = p.broken
      ? [
          `mkdir -p "$pkgdir/usr/share/${OS_KEEP}"`,
          `  echo "taken over by $pkgname $pkgver (a broken update of the unrot sandbox, on purpose)" > "$pkgdir/usr/share/${OS_KEEP}/VERSION"`,
        ].join('\n')
      : ':';
    return fill(fn, { NAME: p.name, SUMMARY: p.summary, EXTRA: extra });
  });
  const template = await readFile(join(fixturesDir(), 'pacman', 'PKGBUILD'), 'utf8');
  return fill(template, { NAMES: packages.map((p) => `'${p.name}'`).join(' '), VERSION: version, PACKAGES: functions.join('\n') });
}

const CLEAN_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', TZ: 'UTC' };

async function buildRpm(p: OsPackageSpec | 'base', outDir: string): Promise<void> {
  const top = await mkdtemp(join(tmpdir(), 'unrot-rpm-'));
  try {
    await mkdir(join(top, 'SPECS'), { recursive: true });
    const spec = join(top, 'SPECS', 'package.spec');
    await writeFile(spec, p === 'base' ? await readFile(join(fixturesDir(), 'rpm', 'base.spec'), 'utf8') : await rpmSpec(p));
    await run(['rpmbuild', '--define', `_topdir ${top}`, '-bb', spec], { env: { ...CLEAN_ENV, HOME: top }, timeoutMs: 5 * 60_000 });
    const built = join(top, 'RPMS', 'noarch');
    for (const name of await readdir(built)) await cp(join(built, name), join(outDir, name));
  } finally {
    await rm(top, { recursive: true, force: true });
  }
}

/** makepkg refuses to run as root: the build runs as `nobody` in a directory it owns. One run builds every package of `version`. */
async function buildPacman(version: string, packages: readonly OsPackageSpec[], outDir: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'unrot-pkg-'));
  try {
    await writeFile(join(work, 'PKGBUILD'), await pkgbuild(version, packages));
    await run(['chown', '-R', 'nobody:nogroup', work]);
    await run(
      [
        'setpriv',
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        '--',
        'env',
        '-i',
        `PATH=${CLEAN_ENV.PATH}`,
        `LANG=${CLEAN_ENV.LANG}`,
        `HOME=${work}`,
        'PKGEXT=.pkg.tar.gz',
        'PACKAGER=unrot sandbox <root@localhost>',
        'makepkg',
        '--nodeps',
        '--noconfirm',
      ],
      { cwd: work, env: CLEAN_ENV, timeoutMs: 10 * 60_000 },
    );
    for (const p of packages) await cp(join(work, pacmanFileName(p.name, version)), join(outDir, pacmanFileName(p.name, version)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface OsPackagesResult {
  /** CACHE/os-packages/<key>: rpm/ and pacman/ hold every package file, published or not. */
  dir: string;
  built: boolean;
  seconds: number;
}

/**
 * Builds every RPM (rpmbuild) and pacman package (makepkg) once per machine, under the cache
 * directory and keyed by the digest of their sources: makepkg alone takes 10-25 s a package on
 * a 2-vCPU machine, so rebuilding for each sandbox would slow every `up --with os`. Built in a
 * temp sibling and renamed, so an interrupted build never counts.
 */
export async function ensureOsPackages(cacheDir: string, log: (line: string) => void = () => {}): Promise<OsPackagesResult> {
  const started = Date.now();
  const parent = join(cacheDir, 'os-packages');
  const dir = join(parent, await osPackagesKey());
  if (existsSync(join(dir, 'complete'))) return { dir, built: false, seconds: 0 };
  await mkdir(parent, { recursive: true });
  // Builds of older sources, and interrupted builds (their pid is gone), are never used again.
  for (const name of await readdir(parent)) {
    const pid = /\.partial-(\d+)$/.exec(name)?.[1];
    const stale = pid ? !existsSync(`/proc/${pid}`) : name !== basename(dir);
    if (stale) await rm(join(parent, name), { recursive: true, force: true });
  }
  const tmp = `${dir}.partial-${process.pid}`;
  await mkdir(join(tmp, 'rpm'), { recursive: true });
  await mkdir(join(tmp, 'pacman'), { recursive: true });
  log(`building the dnf/pacman demo packages with rpmbuild and makepkg (once; cached at ${dir})`);
  // rpmbuild is quick; makepkg is slow (many processes): run the two formats side by side.
  await Promise.all([
    (async () => {
      await buildRpm('base', join(tmp, 'rpm'));
      for (const p of OS_PACKAGES) await buildRpm(p, join(tmp, 'rpm'));
    })(),
    (async () => {
      for (const version of new Set(OS_PACKAGES.map((p) => p.version))) {
        await buildPacman(
          version,
          OS_PACKAGES.filter((p) => p.version === version),
          join(tmp, 'pacman'),
        );
      }
    })(),
  ]);
  await writeFile(join(tmp, 'complete'), `${new Date().toISOString()}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, built: true, seconds: (Date.now() - started) / 1000 };
}
