import type { ComposerOptions } from './options.js';

// Every argv this runner runs inside the container. The project goes in through Composer's own
// `--working-dir=DIR` (pct exec has no working directory option), as one argument so a directory
// can never be read as another option.
//
// COMPOSER_ALLOW_SUPERUSER=1: unrot runs as root. Without it Composer 2.4+ as root in a
// non-interactive session (outside Docker) disables plugins by itself and prints "Do not run
// Composer as root" (Composer 2.5.5 Console/Application.php, read on this machine). Setting it makes
// the `plugins` option the one switch that decides, the same in every container.

// COLUMNS=500: Composer wraps its error box at the terminal width (80 without a terminal),
// cutting words in half ("HTT P 401"); a wide terminal keeps its message on one line.
const BASE = ['env', 'COMPOSER_ALLOW_SUPERUSER=1', 'COLUMNS=500', 'composer'] as const;

export function composerArgv(dir: string, command: readonly string[]): string[] {
  return [...BASE, `--working-dir=${dir}`, '--no-ansi', '--no-interaction', ...command];
}

export const versionArgv = (): string[] => [...BASE, '--version', '--no-ansi'];

/** Read-only commands never run the project's scripts or plugins (third-party code, as root). */
const READ_ONLY = ['--no-plugins', '--no-scripts'] as const;

const noDev = (options: Pick<ComposerOptions, 'no_dev'>): string[] => (options.no_dev ? ['--no-dev'] : []);

/** Installed (vendor/composer/installed.json), direct dependencies, with the repository's latest. */
export function outdatedArgv(dir: string, options: Pick<ComposerOptions, 'no_dev'>): string[] {
  return composerArgv(dir, ['outdated', '--direct', '--format=json', ...READ_ONLY, ...noDev(options)]);
}

/** The resolver's answer within the constraints; writes neither composer.lock nor vendor/. */
export function dryRunArgv(dir: string, names: readonly string[], options: Pick<ComposerOptions, 'no_dev'>): string[] {
  return composerArgv(dir, ['update', '--dry-run', '--with-dependencies', '--no-audit', ...READ_ONLY, ...noDev(options), ...names]);
}

/** What is installed now (no network). */
export function showArgv(dir: string): string[] {
  return composerArgv(dir, ['show', '--direct', '--format=json', ...READ_ONLY]);
}

/** The merged repositories (project, then global config) as JSON. */
export function repositoriesArgv(dir: string): string[] {
  return composerArgv(dir, ['config', 'repositories', ...READ_ONLY]);
}

function applyFlags(options: ComposerOptions): string[] {
  return [
    '--no-progress',
    '--no-audit',
    ...(options.scripts ? [] : ['--no-scripts']),
    ...(options.plugins ? [] : ['--no-plugins']),
    ...noDev(options),
  ];
}

/** Within the constraints: composer.json is left alone, composer.lock and vendor/ change. */
export function updateArgv(dir: string, names: readonly string[], options: ComposerOptions): string[] {
  return composerArgv(dir, ['update', '--with-dependencies', ...applyFlags(options), ...names]);
}

/** allow_major: `NAME:^VERSION` rewrites the constraint in composer.json (require or require-dev). */
export function requireArgv(dir: string, specs: readonly string[], dev: boolean, options: ComposerOptions): string[] {
  return composerArgv(dir, ['require', ...(dev ? ['--dev'] : []), '--with-dependencies', ...applyFlags(options), ...specs]);
}

/** `NAME:^1.2.3` for version `1.2.3` or `v1.2.3`. */
export function caretSpec(name: string, version: string): string {
  return `${name}:^${version.replace(/^v/, '')}`;
}

/** Scope `composer:/opt/app`, or `composer:/opt/app (require-dev)`: plan needs it for `require --dev`. */
const DEV_SUFFIX = ' (require-dev)';

export function formatScope(dir: string, dev: boolean): string {
  return `composer:${dir}${dev ? DEV_SUFFIX : ''}`;
}

export function parseScope(scope: string | undefined): { dir: string; dev: boolean } | undefined {
  const m = /^composer:(\/.*)$/.exec(scope ?? '');
  if (!m) return undefined;
  const rest = m[1] as string;
  return rest.endsWith(DEV_SUFFIX) ? { dir: rest.slice(0, -DEV_SUFFIX.length), dev: true } : { dir: rest, dev: false };
}
