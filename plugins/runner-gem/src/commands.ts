import { posix } from 'node:path';

/** Scope of system gems in updates and plan steps. */
export const SYSTEM_SCOPE = 'gem:system';
const BUNDLER_PREFIX = 'bundler:';

export function bundlerScope(dir: string): string {
  return `${BUNDLER_PREFIX}${dir}`;
}

/** The project directory of a `bundler:DIR` scope, undefined for anything else. */
export function bundlerScopeDir(scope: string | undefined): string | undefined {
  return scope?.startsWith(BUNDLER_PREFIX) ? scope.slice(BUNDLER_PREFIX.length) : undefined;
}

/** `/srv/app/`, `/srv/app/Gemfile` and `/srv/app` all name the project `/srv/app`. */
export function projectDir(configured: string): string {
  const normalized = posix.normalize(configured).replace(/\/+$/, '') || '/';
  return posix.basename(normalized) === 'Gemfile' ? posix.dirname(normalized) : normalized;
}

/**
 * Bundler finds the project (and its .bundle/config) from BUNDLE_GEMFILE, so no working directory
 * is needed. unrot runs as root in the container: the root warning is silenced, not the errors.
 */
export function bundleArgv(dir: string, args: readonly string[]): string[] {
  return ['env', `BUNDLE_GEMFILE=${posix.join(dir, 'Gemfile')}`, 'BUNDLE_SILENCE_ROOT_WARNING=1', 'bundle', ...args];
}

/** bundler 2.3's `outdated --strict` is the update-level flag; `--filter-strict` filters by the Gemfile. */
export function bundleOutdatedArgv(dir: string, withinRequirements: boolean): string[] {
  return bundleArgv(dir, ['outdated', '--parseable', ...(withinRequirements ? ['--filter-strict'] : [])]);
}

export function bundleUpdateArgv(dir: string, names: readonly string[]): string[] {
  return bundleArgv(dir, ['update', '--conservative', ...names]);
}

export function bundleConfigArgv(dir: string): string[] {
  return bundleArgv(dir, ['config', 'list', '--parseable']);
}

export function lockfilePath(dir: string): string {
  return posix.join(dir, 'Gemfile.lock');
}

/** `--debug` makes gem print the fetch errors `gem outdated` otherwise swallows (it exits 0 with nothing). */
export const GEM_OUTDATED_ARGV = ['gem', 'outdated', '--debug'] as const;
export const GEM_LIST_LOCAL_ARGV = ['gem', 'list', '--local'] as const;
export const GEM_DIR_ARGV = ['gem', 'env', 'gemdir'] as const;
export const GEM_SOURCES_ARGV = ['gem', 'sources', '--list'] as const;
export const GEM_ENV_ARGV = ['gem', 'env'] as const;

export function gemRemoteVersionsArgv(name: string): string[] {
  return ['gem', 'list', '--remote', '--all', '--exact', name];
}

/**
 * `NAME:VERSION` installs exactly the version check reported, next to the installed ones (gem's own
 * syntax). `gem update` has no version option: it can only go to the newest, across a withheld major.
 */
export function gemInstallExactArgv(pins: ReadonlyArray<{ name: string; version: string }>): string[] {
  return ['gem', 'install', '--no-document', ...pins.map((p) => `${p.name}:${p.version}`)];
}
