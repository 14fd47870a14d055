import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import {
  OS_BROKEN_VERSION,
  OS_DEMO,
  OS_KEEP,
  OS_PACKAGES,
  OS_VERSIONS,
  type OsPackageFormat,
  packageFileName,
  pacmanFileName,
  RPM_BASE,
  rpmFileName,
} from './os-packages.js';
import { run } from './run.js';
import type { SandboxSettings } from './settings.js';

/** The pacman repository's name: its database is `unrot-sandbox.db` and pacman.conf has `[unrot-sandbox]`. */
export const PACMAN_REPO = 'unrot-sandbox';
const NEWEST = OS_VERSIONS[OS_VERSIONS.length - 1] ?? '1.1';

/** What CT 103 gets in /etc/yum.repos.d/unrot-sandbox.repo. */
export function yumRepoFile(port: number): string {
  return [
    "# The unrot sandbox's local repository (rpmbuild + createrepo_c on the host, served on 127.0.0.1).",
    '# Unsigned local packages: the admin turns signature checks off for this repository only.',
    '# metadata_expire=0: the sandbox republishes this repository (the drills add a broken update),',
    '# and repomd.xml is one small local file, so dnf checks it every time.',
    '[unrot-sandbox]',
    'name=unrot sandbox local repository',
    `baseurl=http://127.0.0.1:${port}/`,
    'enabled=1',
    'gpgcheck=0',
    'repo_gpgcheck=0',
    'metadata_expire=0',
    '',
  ].join('\n');
}

/** The section CT 104 gets appended to /etc/pacman.conf. */
export function pacmanConfSection(port: number): string {
  return [
    '',
    "# The unrot sandbox's local repository (makepkg + repo-add on the host, served on 127.0.0.1).",
    '# Unsigned local packages: the admin trusts this repository without signatures, and only it.',
    `[${PACMAN_REPO}]`,
    'SigLevel = Optional TrustAll',
    `Server = http://127.0.0.1:${port}`,
    '',
  ].join('\n');
}

/** The directory the broken update waits in until the drills publish it (beside the served one, not in it). */
export function unpublishedDir(repoDir: string): string {
  return `${repoDir}-unpublished`;
}

/**
 * R/srv/rpm: base 1.0, demo and keep 1.0 + 1.1, `repodata/` from createrepo_c.
 * The broken demo 1.2 goes to R/srv/rpm-unpublished.
 */
export async function buildRpmRepo(dir: string, packagesDir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await mkdir(unpublishedDir(dir), { recursive: true });
  await copyFile(join(packagesDir, 'rpm', rpmFileName(RPM_BASE, '1.0')), join(dir, rpmFileName(RPM_BASE, '1.0')));
  for (const p of OS_PACKAGES) {
    const file = rpmFileName(p.name, p.version);
    await copyFile(join(packagesDir, 'rpm', file), join(p.broken ? unpublishedDir(dir) : dir, file));
  }
  await run(['createrepo_c', '--quiet', dir]);
}

/**
 * R/srv/pacman: every package file, and a database made with repo-add that lists the newest
 * version of each (a pacman database holds one version per name; the 1.0 files stay beside
 * it for `pacman -U <url>` at provisioning, as a package cache or archive would).
 */
export async function buildPacmanRepo(dir: string, packagesDir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await mkdir(unpublishedDir(dir), { recursive: true });
  for (const p of OS_PACKAGES) {
    const file = pacmanFileName(p.name, p.version);
    await copyFile(join(packagesDir, 'pacman', file), join(p.broken ? unpublishedDir(dir) : dir, file));
  }
  const newest = [OS_DEMO, OS_KEEP].map((name) => join(dir, pacmanFileName(name, NEWEST)));
  await run(['repo-add', '--quiet', join(dir, `${PACMAN_REPO}.db.tar.gz`), ...newest]);
}

export function repoReady(format: OsPackageFormat, dir: string): boolean {
  return existsSync(format === 'rpm' ? join(dir, 'repodata', 'repomd.xml') : join(dir, `${PACMAN_REPO}.db.tar.gz`));
}

/**
 * Publishes the broken `unrot-sandbox-demo` 1.2 into the running sandbox's rpm or pacman
 * repository (for the rollback drills): the next check in CT 103/104 offers it, and installing it fails.
 */
export async function publishBrokenUpdate(s: SandboxSettings, format: OsPackageFormat): Promise<string> {
  const dir = format === 'rpm' ? s.rpmDir : s.pacmanDir;
  const file = packageFileName(format, OS_DEMO, OS_BROKEN_VERSION);
  const from = join(unpublishedDir(dir), file);
  if (!existsSync(from)) throw new UnrotError('E_CONFIG', `${from} does not exist: is the sandbox up with the os containers?`);
  await copyFile(from, join(dir, file));
  if (format === 'rpm') await run(['createrepo_c', '--quiet', dir]);
  else await run(['repo-add', '--quiet', join(dir, `${PACMAN_REPO}.db.tar.gz`), join(dir, file)]);
  return join(dir, file);
}
