import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { run } from './run.js';

export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const DEBIAN_SUITE = 'bookworm';
/** Suites a template can be built for: bookworm for the sandbox's CTs, trixie (Debian 13, what Proxmox VE 9 is built on) for the install test. */
export const DEBIAN_SUITES = ['bookworm', 'trixie'] as const;
export type DebianSuite = (typeof DEBIAN_SUITES)[number];

/** libstdc++6 because the host's node binary (copied into CT 101) links it; procps/iproute2 for humans poking around. */
export const TEMPLATE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'python3',
  'python3-venv',
  'ca-certificates',
  'libstdc++6',
  'procps',
  'iproute2',
];

export function templateDir(cacheDir: string, suite: DebianSuite = DEBIAN_SUITE): string {
  return join(cacheDir, `template-${suite}`);
}

export interface TemplateResult {
  dir: string;
  built: boolean;
  seconds: number;
}

/**
 * Builds the Debian rootfs every container is copied from, once per suite (cached side by side:
 * template-bookworm, template-trixie). It is built in a sibling temp dir and renamed at the end,
 * so an interrupted build never looks finished.
 */
export async function ensureTemplate(
  cacheDir: string,
  log: (line: string) => void = () => {},
  suite: DebianSuite = DEBIAN_SUITE,
): Promise<TemplateResult> {
  const dir = templateDir(cacheDir, suite);
  const started = Date.now();
  if (existsSync(join(dir, 'etc', 'os-release'))) return { dir, built: false, seconds: 0 };
  await mkdir(cacheDir, { recursive: true });
  // Leftovers of interrupted builds (any pid) are never finished templates.
  for (const name of await readdir(cacheDir)) {
    if (name.startsWith(`${basename(dir)}.partial-`)) await rm(join(cacheDir, name), { recursive: true, force: true });
  }
  const tmp = `${dir}.partial-${process.pid}`;
  log(`building the ${suite} template with debootstrap (once; cached at ${dir})`);
  await run(['debootstrap', '--variant=minbase', `--include=${TEMPLATE_PACKAGES.join(',')}`, suite, tmp, DEBIAN_MIRROR], {
    timeoutMs: 30 * 60_000,
  });
  await configureTemplate(tmp, suite);
  await rename(tmp, dir);
  return { dir, built: true, seconds: (Date.now() - started) / 1000 };
}

async function configureTemplate(root: string, suite: DebianSuite): Promise<void> {
  // Containers share the host's network namespace (lxc.net.0.type = none): an eth0 stanza
  // would make ifup/dhclient inside the CT reconfigure the host's interface.
  const interfaces = join(root, 'etc', 'network', 'interfaces');
  if (existsSync(interfaces)) {
    const text = await readFile(interfaces, 'utf8');
    await writeFile(interfaces, removeInterfaceStanza(text, 'eth0'));
  }
  // Same mirror and suite debootstrap used, so Debian itself usually offers nothing newer.
  await writeFile(join(root, 'etc', 'apt', 'sources.list'), `deb ${DEBIAN_MIRROR} ${suite} main\n`);
  await writeFile(join(root, 'etc', 'hostname'), 'localhost\n');
  // Shared network namespace: resolv.conf must be the host's (copied at build time; apt needs DNS).
  const resolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  if (resolv) {
    await rm(join(root, 'etc', 'resolv.conf'), { force: true });
    await writeFile(join(root, 'etc', 'resolv.conf'), resolv);
  }
  await run(['chroot', root, 'apt-get', 'clean']);
}

/** Drops `auto IFACE`, `allow-hotplug IFACE` and the `iface IFACE ...` block with its indented lines. */
export function removeInterfaceStanza(text: string, iface: string): string {
  const out: string[] = [];
  let inBlock = false;
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (inBlock && /^\s+\S/.test(line)) continue;
    inBlock = false;
    if ((words[0] === 'auto' || words[0] === 'allow-hotplug') && words.slice(1).includes(iface)) continue;
    if (words[0] === 'iface' && words[1] === iface) {
      inBlock = true;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}
