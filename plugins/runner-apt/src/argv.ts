import type { AptOptions } from './options.js';
import { DPKG_QUERY_FORMAT } from './parse-dpkg-query.js';

// `pct exec` passes the host's environment, so the container's locale and frontend are set in argv.
const ENV_READ = ['env', 'LC_ALL=C'] as const;
const ENV_CHANGE = ['env', 'DEBIAN_FRONTEND=noninteractive', 'LC_ALL=C'] as const;

const lock = (o: AptOptions) => ['-o', `DPkg::Lock::Timeout=${o.lock_timeout_s}`];

export const versionArgv = (): string[] => ['apt-get', '--version'];

/** Refreshes package indexes; waits for a concurrent apt instead of failing. */
export const updateArgv = (o: AptOptions): string[] => [...ENV_READ, 'apt-get', 'update', '-q', ...lock(o)];

/** Read-only simulation: Debug::NoLocking lets it run while another apt holds the lock. */
const simulate = (rest: readonly string[]): string[] => [...ENV_READ, 'apt-get', '-s', '-q', '-o', 'Debug::NoLocking=1', ...rest];

export const simulateUpgradeArgv = (o: AptOptions): string[] => simulate([o.mode === 'full-upgrade' ? 'dist-upgrade' : 'upgrade']);

/**
 * check's two commands in one exec (one round trip into the container): `updateArgv`, then, only
 * if it exited 0, `simulateUpgradeArgv`, word for word. update's stdout and stderr both go to
 * stderr, followed by the line `@unrot-apt update-exit N`; the simulation's stdout is the exec's
 * stdout and its stderr follows that line. So each command keeps its own exit code and words.
 * Constant script: $1 is the lock timeout in seconds, $2 upgrade or dist-upgrade.
 */
export const REFRESH_AND_SIMULATE_SCRIPT = [
  'env LC_ALL=C apt-get update -q -o "DPkg::Lock::Timeout=$1" >&2; rc=$?',
  'printf "@unrot-apt update-exit %s\\n" "$rc" >&2',
  '[ "$rc" -eq 0 ] || exit "$rc"',
  'exec env LC_ALL=C apt-get -s -q -o Debug::NoLocking=1 "$2"',
].join('\n');

export const refreshAndSimulateArgv = (o: AptOptions): string[] => [
  'sh',
  '-c',
  REFRESH_AND_SIMULATE_SCRIPT,
  'unrot-apt-check',
  String(o.lock_timeout_s),
  o.mode === 'full-upgrade' ? 'dist-upgrade' : 'upgrade',
];

/** Like `apt-get upgrade`, mode upgrade pulls in no recommended packages that are not installed yet. */
const recommends = (o: AptOptions): string[] => (o.mode === 'upgrade' ? ['--no-install-recommends'] : []);

/** The simulation shows removals (no --no-remove) so check can withhold what would cause them. */
export const simulateInstallArgv = (o: AptOptions, names: readonly string[]): string[] =>
  simulate([...recommends(o), 'install', '--only-upgrade', ...names]);

const APPLY_PREFIX = (o: AptOptions): string[] => [
  ...ENV_CHANGE,
  'apt-get',
  '-y',
  '-q',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
  ...lock(o),
];

export const installArgv = (o: AptOptions, names: readonly string[]): string[] => [
  ...APPLY_PREFIX(o),
  ...recommends(o),
  // Mode upgrade never removes: if apt would, it aborts before touching anything.
  ...(o.mode === 'upgrade' ? ['--no-remove'] : []),
  'install',
  '--only-upgrade',
  ...names,
];

/**
 * Staged rollout (ctx.exactVersions): each package at exactly the version check found, `name=version`.
 * `--only-upgrade` when every one is installed already; mode full-upgrade may also install new
 * dependencies, which are then named too (a plain `install` of them at their version).
 */
export const installExactArgv = (o: AptOptions, pins: readonly string[], onlyUpgrade: boolean): string[] => [
  ...APPLY_PREFIX(o),
  ...recommends(o),
  ...(o.mode === 'upgrade' ? ['--no-remove'] : []),
  'install',
  ...(onlyUpgrade ? ['--only-upgrade'] : []),
  ...pins,
];

/** The whole-system upgrade exactly as check simulated it; names no package, so marks no package manual. */
export const upgradeArgv = (o: AptOptions): string[] => [...APPLY_PREFIX(o), o.mode === 'full-upgrade' ? 'dist-upgrade' : 'upgrade'];

export const dpkgQueryArgv = (names: readonly string[]): string[] => ['dpkg-query', '-W', `-f=${DPKG_QUERY_FORMAT}`, ...names];

// Pre-flight (sources): the files apt reads (discovery.ts reads them in one exec).
export const SOURCES_LIST = '/etc/apt/sources.list';
export const SOURCES_PARTS = '/etc/apt/sources.list.d';
