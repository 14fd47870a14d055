// Every command the runner runs, in one place (docs/runners/pacman.md lists them). pacman's
// messages are translated, and the runner matches some of them, so each runs with LC_ALL=C.

/** The unrot-owned sync database check refreshes instead of the live one (as `checkupdates` does). */
export const PRIVATE_DBPATH = '/var/lib/unrot/pacman-sync';

const pacman = (...args: string[]): string[] => ['env', 'LC_ALL=C', 'pacman', ...args];

export const versionArgv = (): string[] => pacman('--version');
/** The whole effective configuration, Include'd files, globs and $repo/$arch already resolved by pacman itself. */
export const pacmanConfArgv = (): string[] => ['env', 'LC_ALL=C', 'pacman-conf'];
export const mkdirPrivateArgv = (): string[] => ['mkdir', '-p', PRIVATE_DBPATH];
/** -T: never create the link inside an existing directory named `local`; -n: replace the link itself. */
export const linkLocalArgv = (liveLocal: string): string[] => ['ln', '-sfnT', liveLocal, `${PRIVATE_DBPATH}/local`];
export const syncPrivateArgv = (): string[] => pacman('-Sy', '--dbpath', PRIVATE_DBPATH, '--logfile', '/dev/null');
export const queryUpgradesArgv = (): string[] => pacman('-Qu', '--dbpath', PRIVATE_DBPATH);

/** `--ignore a,b`, or nothing. */
const ignoreArgs = (ignore: readonly string[]): string[] => (ignore.length > 0 ? ['--ignore', ignore.join(',')] : []);

/** What `-Su` would install, against the private database: print mode takes no lock and changes nothing. */
export const simulateUpgradeArgv = (ignore: readonly string[]): string[] =>
  pacman(
    '-Su',
    '--print',
    '--print-format',
    '%n %v',
    '--noconfirm',
    '--dbpath',
    PRIVATE_DBPATH,
    '--logfile',
    '/dev/null',
    ...ignoreArgs(ignore),
  );

/** The full upgrade apply runs: Arch supports no other. */
export const upgradeArgv = (ignore: readonly string[]): string[] => pacman('-Syu', '--noconfirm', ...ignoreArgs(ignore));
export const queryInstalledArgv = (names: readonly string[]): string[] => pacman('-Q', '--', ...names);
export const dbPathArgv = (): string[] => ['env', 'LC_ALL=C', 'pacman-conf', 'DBPath'];

/** The proxy variables libcurl (pacman's downloader) reads; HTTP_PROXY in upper case it ignores. */
export const PROXY_VARIABLES = [
  'http_proxy',
  'https_proxy',
  'HTTPS_PROXY',
  'ftp_proxy',
  'FTP_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'no_proxy',
  'NO_PROXY',
] as const;
export type ProxyVariable = (typeof PROXY_VARIABLES)[number];
/** One variable at a time: `env` alone would copy every secret of the environment into logs and recordings. */
export const printenvArgv = (name: ProxyVariable): string[] => ['printenv', name];
