// Real pacman roots for the pacman runner's recordings and integration test: Debian 12 with
// Debian's pacman-package-manager (6.0.2) in a chroot, and a real local pacman repository built
// with makepkg and repo-add, served over HTTP from 127.0.0.1 by a child process.
//
//   base      copy of /var/cache/unrot-sandbox/template-bookworm (or a debootstrapped minbase
//             when the sandbox template is absent) + `apt-get install pacman-package-manager`,
//             cached in /var/tmp/unrot-pacman/base
//   packages  built once with makepkg as user nobody (makepkg refuses root), arch any:
//               unrot-sandbox-demo     1.0, 1.1
//               unrot-sandbox-keep     1.0, 1.1   (the one an exclusion keeps)
//               unrot-sandbox-needs    1.0, 1.1   (1.1 depends on unrot-sandbox-keep>=1.1)
//               unrot-sandbox-broken   1.0, 1.1   (post_upgrade exits 1)
//               unrot-sandbox-conflict 1.0, 1.1   (1.1 also ships /usr/share/unrot-sandbox-demo/version)
//   repos     /var/tmp/unrot-pacman/repo/{v10,v11,corrupt}: `repo-add unrot.db.tar.gz *.pkg.tar.*`
//             of the 1.0 / 1.1 packages; `corrupt` serves an unrot.db that is not an archive
//
// A root is bind-mounted onto itself and gets /proc: pacman's CheckSpace reads the mount table
// and needs / to be a mount point, as it is in a container.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WORK = '/var/tmp/unrot-pacman';
const TEMPLATE = '/var/cache/unrot-sandbox/template-bookworm';
const BASE = join(WORK, 'base');
const NO_PACMAN = join(WORK, 'base-no-pacman');
const MIRROR = 'http://deb.debian.org/debian';
export const REPO_DIR = join(WORK, 'repo');

/** The Debian root the bases are made of: the sandbox's cached template, else a debootstrap. */
function debianRoot(dir) {
  rmSync(dir, { recursive: true, force: true });
  if (existsSync(join(TEMPLATE, 'usr/bin/apt-get'))) execFileSync('cp', ['-a', '--reflink=auto', TEMPLATE, dir]);
  else execFileSync('debootstrap', ['--variant=minbase', 'bookworm', dir, MIRROR], { stdio: 'ignore' });
}

/** A Debian 12 root without pacman: what detect sees in a container that is not Arch. */
export function ensureNoPacmanBase() {
  if (existsSync(join(NO_PACMAN, 'usr/bin/env'))) return NO_PACMAN;
  mkdirSync(WORK, { recursive: true });
  debianRoot(`${NO_PACMAN}.tmp`);
  execFileSync('mv', [`${NO_PACMAN}.tmp`, NO_PACMAN]);
  return NO_PACMAN;
}

export function ensureBase() {
  if (existsSync(join(BASE, 'usr/bin/pacman'))) return BASE;
  mkdirSync(WORK, { recursive: true });
  const tmp = `${BASE}.tmp`;
  debianRoot(tmp);
  cpSync('/etc/resolv.conf', join(tmp, 'etc/resolv.conf'));
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('chroot', [tmp, 'apt-get', 'update', '-q'], { stdio: 'ignore', env });
  execFileSync('chroot', [tmp, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'pacman-package-manager'], {
    stdio: 'ignore',
    env,
  });
  execFileSync('mv', [tmp, BASE]);
  return BASE;
}

const PACKAGES = [
  { name: 'unrot-sandbox-demo', versions: ['1.0', '1.1'] },
  { name: 'unrot-sandbox-keep', versions: ['1.0', '1.1'] },
  { name: 'unrot-sandbox-needs', versions: ['1.0', '1.1'], extra: (v) => `depends=('unrot-sandbox-keep${v === '1.1' ? '>=1.1' : ''}')` },
  { name: 'unrot-sandbox-broken', versions: ['1.0', '1.1'], extra: () => 'install=broken.install' },
  {
    name: 'unrot-sandbox-conflict',
    versions: ['1.0', '1.1'],
    files: (v) =>
      v === '1.1'
        ? '  install -d "$pkgdir/usr/share/unrot-sandbox-demo"\n  echo clash > "$pkgdir/usr/share/unrot-sandbox-demo/version"\n'
        : '',
  },
];
const BROKEN_INSTALL = 'post_upgrade() {\n  echo "unrot-sandbox-broken: post_upgrade fails on purpose" >&2\n  exit 1\n}\n';

function pkgbuild(p, v) {
  return [
    `pkgname=${p.name}`,
    `pkgver=${v}`,
    'pkgrel=1',
    "pkgdesc='unrot test package'",
    "arch=('any')",
    "license=('MIT')",
    p.extra ? p.extra(v) : '',
    'package() {',
    `  install -d "$pkgdir/usr/share/${p.name}"`,
    `  printf '%s\\n' "$pkgver" > "$pkgdir/usr/share/${p.name}/version"`,
    `${p.files ? p.files(v) : ''}}`,
    '',
  ].join('\n');
}

/** Builds every package with makepkg (as nobody) once; the cache is keyed by the PKGBUILDs' hash. */
export function buildPackages() {
  const sources = PACKAGES.flatMap((p) => p.versions.map((v) => ({ p, v, text: pkgbuild(p, v) })));
  const key = createHash('sha256')
    .update(sources.map((s) => s.text).join('\0') + BROKEN_INSTALL)
    .digest('hex')
    .slice(0, 12);
  const out = join(WORK, `pkgs-${key}`);
  if (existsSync(join(out, 'done'))) return out;
  rmSync(out, { recursive: true, force: true });
  const build = join(WORK, `build-${key}`);
  rmSync(build, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const { p, v, text } of sources) {
    const dir = join(build, `${p.name}-${v}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'PKGBUILD'), text);
    if (p.name === 'unrot-sandbox-broken') writeFileSync(join(dir, 'broken.install'), BROKEN_INSTALL);
  }
  execFileSync('chown', ['-R', 'nobody:nogroup', build, out]);
  chmodSync(WORK, 0o755);
  for (const { p, v } of sources) {
    execFileSync(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        'env',
        `HOME=${build}`,
        `PKGDEST=${out}`,
        'makepkg',
        '--nodeps',
        '--noconfirm',
        '-f',
      ],
      { cwd: join(build, `${p.name}-${v}`), stdio: 'ignore' },
    );
  }
  rmSync(build, { recursive: true, force: true });
  writeFileSync(join(out, 'done'), '');
  return out;
}

/** The repositories v10, v11 (repo-add of the built packages) and corrupt, under REPO_DIR. */
export function buildRepos() {
  const pkgs = buildPackages();
  rmSync(REPO_DIR, { recursive: true, force: true });
  for (const [state, version] of [
    ['v10', '1.0'],
    ['v11', '1.1'],
  ]) {
    const dir = join(REPO_DIR, state);
    mkdirSync(dir, { recursive: true });
    const files = readdirSync(pkgs).filter((f) => f.includes(`-${version}-1-any.pkg.tar`));
    for (const f of files) cpSync(join(pkgs, f), join(dir, f));
    execFileSync('repo-add', ['-q', 'unrot.db.tar.gz', ...files], { cwd: dir, stdio: 'ignore' });
  }
  const corrupt = join(REPO_DIR, 'corrupt');
  mkdirSync(corrupt, { recursive: true });
  writeFileSync(join(corrupt, 'unrot.db'), 'this is not a pacman database\n');
  return REPO_DIR;
}

/** Serves REPO_DIR on 127.0.0.1 from a child process; resolves { port, stop }. */
export function startRepoServer() {
  const child = spawn(process.execPath, [new URL('./repo-server.mjs', import.meta.url).pathname, REPO_DIR], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk) => {
      const port = Number(/port (\d+)/.exec(String(chunk))?.[1]);
      resolve({ port, stop: () => child.kill() });
    });
  });
}

function mounted(dir) {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m === dir || m?.startsWith(`${dir}/`));
}

/** Points the root's [unrot] repository at `http://127.0.0.1:PORT/STATE` (or any Server URL). */
export function setMirror(root, server) {
  writeFileSync(join(root, 'etc/pacman.d/unrot-mirrorlist'), `# written by the unrot tests\nServer = ${server}\n`);
}

/**
 * A fresh pacman root: a copy of the base with the [unrot] repository (SigLevel Optional
 * TrustAll: the test packages are unsigned) in /etc/pacman.conf through an Include'd
 * mirrorlist, `install` installed from the 1.0 repository, then the mirror moved to 1.1.
 */
export function freshRoot(name, { port, install = [], ignorePkg = [] }) {
  const base = ensureBase();
  const dir = join(WORK, name);
  removeRoot(dir);
  execFileSync('cp', ['-a', '--reflink=auto', base, dir]);
  try {
    setUp(dir, { port, install, ignorePkg });
  } catch (error) {
    removeRoot(dir);
    throw error;
  }
  return dir;
}

function setUp(dir, { port, install, ignorePkg }) {
  execFileSync('mount', ['--bind', dir, dir]);
  execFileSync('mount', ['-t', 'proc', 'proc', join(dir, 'proc')]);
  mkdirSync(join(dir, 'etc/pacman.d'), { recursive: true });
  let conf = readFileSync(join(dir, 'etc/pacman.conf'), 'utf8');
  if (ignorePkg.length > 0) conf = conf.replace(/^\[options\]$/m, `[options]\nIgnorePkg = ${ignorePkg.join(' ')}`);
  writeFileSync(join(dir, 'etc/pacman.conf'), `${conf}\n[unrot]\nSigLevel = Optional TrustAll\nInclude = /etc/pacman.d/unrot-mirrorlist\n`);
  setMirror(dir, `http://127.0.0.1:${port}/v10`);
  if (install.length > 0) {
    execFileSync('chroot', [dir, 'pacman', '-Sy', '--noconfirm'], { stdio: 'ignore' });
    execFileSync('chroot', [dir, 'pacman', '-S', '--noconfirm', ...install], { stdio: 'ignore' });
  }
  setMirror(dir, `http://127.0.0.1:${port}/v11`);
}

/** A copy of the Debian root without pacman. */
export function noPacmanRoot(name) {
  const dir = join(WORK, name);
  removeRoot(dir);
  execFileSync('cp', ['-a', '--reflink=auto', ensureNoPacmanBase(), dir]);
  return dir;
}

export function removeRoot(dir) {
  for (const m of mounted(dir).sort().reverse()) execFileSync('umount', [m]);
  if (mounted(dir).length > 0) throw new Error(`${dir} still has mounts; not removing it`);
  rmSync(dir, { recursive: true, force: true });
}

/** Installed versions in a root, from pacman -Q. */
export function installed(root) {
  const out = execFileSync('chroot', [root, 'pacman', '-Q'], { encoding: 'utf8' });
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')),
  );
}
