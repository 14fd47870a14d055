// Debian 12 roots with Debian's dnf and rpm installed, standing in for a Fedora container (as the
// sandbox's dnf CT does): the cached sandbox template (or a debootstrap when it is absent) plus
// `apt-get install dnf rpm`, built once under /var/tmp/unrot-dnf/base and copied per test. /proc
// is mounted in each copy, as in a container: dnf's lock checks and needs-restarting read it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoFile } from './rpm-repo.mjs';

export const WORK = '/var/tmp/unrot-dnf';
const BASE = join(WORK, 'base');
const TEMPLATE = '/var/cache/unrot-sandbox/template-bookworm';
const MIRROR = 'http://deb.debian.org/debian';

export function ensureBase() {
  if (existsSync(join(BASE, 'usr/bin/dnf'))) return BASE;
  mkdirSync(WORK, { recursive: true });
  const tmp = `${BASE}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  if (existsSync(join(TEMPLATE, 'usr/bin/apt-get'))) execFileSync('cp', ['-a', '--reflink=auto', TEMPLATE, tmp]);
  else execFileSync('debootstrap', ['--variant=minbase', 'bookworm', tmp, MIRROR], { stdio: 'ignore' });
  execFileSync('cp', ['/etc/resolv.conf', join(tmp, 'etc/resolv.conf')]);
  execFileSync('chroot', [tmp, 'apt-get', 'update', '-q'], { stdio: 'ignore' });
  execFileSync('chroot', [tmp, 'apt-get', 'install', '-y', '-q', 'dnf', 'rpm'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  execFileSync('mv', [tmp, BASE]);
  return BASE;
}

/** A template copy without dnf (for "dnf absent"). */
export function plainRoot(name) {
  const dir = join(WORK, name);
  removeRoot(dir);
  if (existsSync(join(TEMPLATE, 'usr/bin/apt-get'))) execFileSync('cp', ['-a', '--reflink=auto', TEMPLATE, dir]);
  else execFileSync('debootstrap', ['--variant=minbase', 'bookworm', dir, MIRROR], { stdio: 'ignore' });
  return dir;
}

const mounted = (dir) => execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' }).includes(` ${join(dir, 'proc')} `);

/**
 * A fresh copy of the base with the served repository configured and `install` (NAME-VERSION
 * specs) installed with the root's real dnf.
 */
export function freshRoot(name, { port, path = 'repo', install = [] }) {
  const base = ensureBase();
  const dir = join(WORK, name);
  removeRoot(dir);
  execFileSync('cp', ['-a', '--reflink=auto', base, dir]);
  execFileSync('mount', ['-t', 'proc', 'proc', join(dir, 'proc')]);
  mkdirSync(join(dir, 'etc/yum.repos.d'), { recursive: true });
  writeFileSync(join(dir, 'etc/yum.repos.d/unrot-sandbox.repo'), repoFile(port, path));
  if (install.length > 0) execFileSync('chroot', [dir, 'dnf', '-y', '-q', 'install', ...install], { stdio: 'ignore' });
  return dir;
}

/** Points the root's repository at another path of the server (or another server). */
export function setRepo(dir, port, path = 'repo') {
  writeFileSync(join(dir, 'etc/yum.repos.d/unrot-sandbox.repo'), repoFile(port, path));
}

export function installedVersions(dir) {
  const out = execFileSync('chroot', [dir, 'rpm', '-qa', '--queryformat', '%{NAME} %{EPOCH} %{VERSION}-%{RELEASE}\\n'], {
    encoding: 'utf8',
  });
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [n, e, vr] = l.split(' ');
        return [n, e === '(none)' ? vr : `${e}:${vr}`];
      }),
  );
}

export function removeRoot(dir) {
  if (!existsSync(dir)) return;
  if (mounted(dir)) execFileSync('umount', [join(dir, 'proc')]);
  // Never delete through a mount point.
  if (mounted(dir)) throw new Error(`${dir}/proc is still mounted`);
  rmSync(dir, { recursive: true, force: true });
}
