// Real Debian 12 root filesystems for the apt tests: one debootstrap (about 35 s, from
// deb.debian.org) cached under /var/tmp, copied per test (about 1 s for 206 MB).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WORK = '/var/tmp/unrot-apt';
const BASE = join(WORK, 'base');
export const MIRROR = 'http://deb.debian.org/debian';
export const SECURITY = 'http://deb.debian.org/debian-security';

/** Sources of an up-to-date bookworm: main gives the point release, security/updates newer versions. */
export const BOOKWORM_ALL = [
  `deb ${MIRROR} bookworm main`,
  `deb ${MIRROR} bookworm-updates main`,
  `deb ${SECURITY} bookworm-security main`,
];

export function ensureBase() {
  if (existsSync(join(BASE, 'usr/bin/apt-get'))) return BASE;
  mkdirSync(WORK, { recursive: true });
  rmSync(`${BASE}.tmp`, { recursive: true, force: true });
  execFileSync('debootstrap', ['--variant=minbase', 'bookworm', `${BASE}.tmp`, MIRROR], { stdio: 'ignore' });
  execFileSync('mv', [`${BASE}.tmp`, BASE]);
  return BASE;
}

/** A fresh copy of the debootstrapped root with the given apt sources. */
export function freshRoot(name, sources) {
  const base = ensureBase();
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  execFileSync('cp', ['-a', base, dir]);
  writeFileSync(join(dir, 'etc/apt/sources.list'), `${sources.join('\n')}\n`);
  return dir;
}

export function removeRoot(dir) {
  rmSync(dir, { recursive: true, force: true });
}
