import type { ApkOptions } from './options.js';

// apk-tools prints no translated messages, so no locale is set. Every command that takes the
// database lock (update, upgrade) gets apk's own bounded wait.
const wait = (o: ApkOptions): string[] => ['--wait', String(o.lock_timeout_s)];

export const versionArgv = (): string[] => ['apk', '--version'];

/**
 * Refreshes the repository indexes. `--update-cache` forces the download: apk-tools 2.14.9 and
 * 2.14.10 (commit f3f239a) let a plain `apk update` keep an index younger than 4 hours without
 * asking the server (measured with 2.14.10: no request reached the repository).
 */
export const updateArgv = (o: ApkOptions): string[] => ['apk', 'update', '--update-cache', ...wait(o)];

/** Every installed package with a newer version in the repositories, pinned or not. */
export const versionListArgv = (): string[] => ['apk', 'version', '-l', '<'];

/** The world file: its constraints (`name=1.0`, `name<2`, `name@tag`) are the pins check reports. */
export const WORLD = '/etc/apk/world';
export const catArgv = (file: string): string[] => ['cat', file];

/**
 * What `apk upgrade` would do, world constraints respected; named packages limit it to those.
 * A simulation opens the database read-only and takes no lock (measured with 2.14.10).
 */
export const simulateArgv = (names: readonly string[] = []): string[] => ['apk', 'upgrade', '--simulate', '--no-interactive', ...names];

/**
 * The upgrade itself. With names, only those (and what they need) are upgraded, and the world
 * file is left as it is; `apk add -u NAME` would rewrite NAME's world entry (drop a pin).
 */
export const upgradeArgv = (o: ApkOptions, names: readonly string[] = []): string[] => [
  'apk',
  'upgrade',
  '--no-interactive',
  ...wait(o),
  ...names,
];

/** Installed packages as `name-version` lines, for apply's readback (read-only, no lock). */
export const installedArgv = (): string[] => ['apk', 'info', '-v'];

// Pre-flight (sources): the files apk reads its repositories from, and the proxy variables
// its fetch library reads from its environment.
export const REPOSITORIES = '/etc/apk/repositories';
export const REPOSITORIES_D = '/etc/apk/repositories.d';
export const listRepositoryPartsArgv = (): string[] => ['find', REPOSITORIES_D, '-maxdepth', '1', '-name', '*.list'];
export const printenvArgv = (name: string): string[] => ['printenv', name];
/** Where Alpine's `setup-proxy` writes `export http_proxy=…` for login shells (alpine-conf setup-proxy.in). */
export const SETUP_PROXY_PROFILE = '/etc/profile.d/proxy.sh';
