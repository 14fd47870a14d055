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

/** The whole-system upgrade exactly as check simulated it; names no package, so marks no package manual. */
export const upgradeArgv = (o: AptOptions): string[] => [...APPLY_PREFIX(o), o.mode === 'full-upgrade' ? 'dist-upgrade' : 'upgrade'];

export const dpkgQueryArgv = (names: readonly string[]): string[] => ['dpkg-query', '-W', `-f=${DPKG_QUERY_FORMAT}`, ...names];

// Pre-flight (sources): plain reads of apt's own configuration, no shell.
export const SOURCES_LIST = '/etc/apt/sources.list';
export const SOURCES_PARTS = '/etc/apt/sources.list.d';

/** The one-line list and the parts directory's `*.list`/`*.sources` (find exits 1 when sources.list is absent; the rest still prints). */
export const listSourcesArgv = (): string[] => [
  'find',
  SOURCES_LIST,
  SOURCES_PARTS,
  '-maxdepth',
  '1',
  '(',
  '-name',
  '*.list',
  '-o',
  '-name',
  '*.sources',
  ')',
];

export const catArgv = (file: string): string[] => ['cat', file];

/** Only the proxy subtrees: the whole dump is ~300 lines and may hold credentials of other settings. */
export const aptConfigProxyArgv = (): string[] => [
  'apt-config',
  'dump',
  'Acquire::http::Proxy',
  'Acquire::https::Proxy',
  'Acquire::ftp::Proxy',
  'Acquire::http::Proxy-Auto-Detect',
  'Acquire::https::Proxy-Auto-Detect',
  'Acquire::http::ProxyAutoDetect',
];
