import type { DnfFlavour } from './flavour.js';
import type { DnfOptions } from './options.js';
import { REPOQUERY_FORMAT, RPM_QUERY_FORMAT } from './parse-query.js';

// `pct exec` passes the host's environment: messages must be C so the lock and error texts match.
const ENV = ['env', 'LC_ALL=C'] as const;
/**
 * A held lock ends the command (exit 200 in dnf 4) instead of waiting for ever, so the runner can
 * wait with a bound. exit_on_lock is a main option in dnf 4 and in libdnf5 alike.
 */
const EXIT_ON_LOCK = '--setopt=exit_on_lock=True';

const gpg = (o: DnfOptions): string[] => (o.gpgcheck ? [] : ['--nogpgcheck']);

/** The advisory filter of check: security only, or in mode upgrade-minimal every advisory type upgrade-minimal acts on. */
export function advisoryFilter(o: DnfOptions): string[] {
  if (o.security) return ['--security'];
  return o.mode === 'upgrade-minimal' ? ['--bugfix', '--enhancement', '--security'] : [];
}

export const versionArgv = (): string[] => ['dnf', '--version'];
/** Only asked when dnf is missing: a yum-only system (CentOS 7, RHEL 7) is refused with that reason. */
export const yumVersionArgv = (): string[] => ['yum', '--version'];
/** Where rpm keeps its database (Debian's rpm: `~/.rpmdb`; Fedora: /usr/lib/sysimage/rpm), for detect's reason. */
export const rpmDbpathArgv = (): string[] => ['rpm', '--eval', '%{_dbpath}'];

/**
 * Refreshes the metadata (`--refresh`; the only thing check changes) and answers with dnf's own
 * exit code: 100 = updates, 0 = none, 1 = error. skip_if_unavailable=False: an unreachable or
 * broken repository is an error, not silently "nothing pending" (Debian's dnf.conf sets it True).
 */
export const checkUpdateArgv = (o: DnfOptions, f: DnfFlavour): string[] => [
  ...ENV,
  'dnf',
  '-q',
  '--refresh',
  EXIT_ON_LOCK,
  '--setopt=skip_if_unavailable=False',
  ...gpg(o),
  f.major === 5 ? 'check-upgrade' : 'check-update',
  ...advisoryFilter(o),
];

/**
 * The machine-readable list: every upgrade candidate from the metadata check-update just fetched
 * (`-C`, no network). Mode upgrade: newest per name.arch; mode upgrade-minimal: all advisory
 * versions, check picks the lowest newer one.
 */
export const repoqueryArgv = (o: DnfOptions): string[] => [
  ...ENV,
  'dnf',
  '-q',
  '-C',
  EXIT_ON_LOCK,
  ...gpg(o),
  'repoquery',
  '--upgrades',
  ...(o.mode === 'upgrade-minimal' ? [] : ['--latest-limit=1']),
  ...advisoryFilter(o),
  '--queryformat',
  REPOQUERY_FORMAT,
];

/** Installed versions, asked of rpm itself (its database path is rpm's business, not ours). */
export const rpmQueryArgv = (names: readonly string[]): string[] => ['rpm', '-q', '--queryformat', RPM_QUERY_FORMAT, ...names];

// Exclusion globs that dnf reads as the same glob (rpm globs also know `[…]`, the policy's do not).
const DNF_GLOB = /^[A-Za-z0-9_+*?][A-Za-z0-9._+*?-]*$/;
export const dnfGlob = (glob: string): boolean => DNF_GLOB.test(glob);

/**
 * Names only the packages check reported, and excludes the policy's globs so no dependency can
 * drag an excluded package in. `-y`: no prompt (it also accepts the GPG keys the .repo file names).
 */
export const upgradeArgv = (o: DnfOptions, exclusions: readonly string[], specs: readonly string[]): string[] => [
  ...ENV,
  'dnf',
  '-y',
  EXIT_ON_LOCK,
  ...gpg(o),
  ...exclusions.filter(dnfGlob).map((g) => `--exclude=${g}`),
  'upgrade',
  ...(o.security && o.mode === 'upgrade' ? ['--security'] : []),
  ...specs,
];

/** dnf-plugins-core (dnf 4) or dnf5's plugin: exit 1 = a reboot is needed, 0 = not. */
export const needsRestartingArgv = (): string[] => [...ENV, 'dnf', 'needs-restarting', '-r'];
