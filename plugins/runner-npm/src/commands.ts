import type { Manager } from './project.js';

// Every argv this runner runs inside the container. `pct exec` has no working directory
// option, so each tool gets the project through its own flag: npm `--prefix`, yarn `--cwd`,
// pnpm `--dir`. Not `env -C`: busybox env (Alpine) lacks -C, and the tools' own flags also
// make them read the project's .npmrc/.yarnrc.

/** The `dir` of npm's global packages (`npm -g`); project dirs are absolute, so it cannot clash. */
export const GLOBAL = 'global';

/** Scope `npm:/opt/app`, `yarn:/srv/x`, `pnpm:/srv/y` or `npm:global`: plan must know the manager without running anything. */
export function formatScope(manager: Manager, dir: string): string {
  return `${manager}:${dir}`;
}

export function parseScope(scope: string | undefined): { manager: Manager; dir: string } | undefined {
  const m = /^(npm|yarn|pnpm):(.+)$/.exec(scope ?? '');
  if (!m) return undefined;
  return { manager: m[1] as Manager, dir: m[2] as string };
}

/** The outdated listings check reads; pnpm needs two (see parse-pnpm.ts). */
export function outdatedArgv(manager: Manager, dir: string): string[][] {
  if (dir === GLOBAL) return [['npm', 'outdated', '-g', '--json']];
  switch (manager) {
    case 'npm':
      return [['npm', '--prefix', dir, 'outdated', '--json']];
    case 'yarn':
      return [['yarn', '--cwd', dir, 'outdated', '--json', '--non-interactive']];
    case 'pnpm':
      return [
        ['pnpm', '--dir', dir, 'outdated', '--format', 'json'],
        ['pnpm', '--dir', dir, 'outdated', '--format', 'json', '--compatible'],
      ];
  }
}

export function listArgv(manager: Manager, dir: string): string[] {
  if (dir === GLOBAL) return ['npm', 'ls', '-g', '--json', '--depth=0'];
  switch (manager) {
    case 'npm':
      return ['npm', '--prefix', dir, 'ls', '--json', '--depth=0'];
    case 'yarn':
      return ['yarn', '--cwd', dir, 'list', '--json', '--depth=0', '--non-interactive'];
    case 'pnpm':
      return ['pnpm', '--dir', dir, 'list', '--json', '--depth=0'];
  }
}

/**
 * In-range updates name packages only (so exclusions hold) and leave package.json
 * ranges alone; the lockfile is updated. pnpm needs --no-save for that, npm and yarn
 * classic do it by default.
 */
export function updateInRangeArgv(manager: Manager, dir: string, names: readonly string[], production = false): string[] {
  switch (manager) {
    case 'npm':
      return ['npm', '--prefix', dir, 'update', '--no-audit', '--no-fund', ...productionFlags(manager, production), ...names];
    case 'yarn':
      return ['yarn', '--cwd', dir, 'upgrade', '--non-interactive', ...productionFlags(manager, production), ...names];
    case 'pnpm':
      return ['pnpm', '--dir', dir, 'update', '--no-save', ...productionFlags(manager, production), ...names];
  }
}

/**
 * Without these, an update in a production install also installs every devDependency (all
 * three tools reify the whole tree). pnpm's `update --prod` only filters which packages are
 * updated, so its `dev` setting is turned off instead.
 */
function productionFlags(manager: Manager, production: boolean): string[] {
  if (!production) return [];
  if (manager === 'npm') return ['--omit=dev'];
  if (manager === 'yarn') return ['--production'];
  return ['--config.dev=false'];
}

/** `name@1.2.3` → `name@^1.2.3` (the version follows the last @; a scope starts with one). */
function caret(spec: string): string {
  const at = spec.lastIndexOf('@');
  return `${spec.slice(0, at + 1)}^${spec.slice(at + 1)}`;
}

/**
 * Exact versions (allow_major, and global packages). In a project this rewrites the
 * range in package.json to ^VERSION: a lockfile beyond the declared range would make
 * `npm ci` / `--frozen-lockfile` fail or downgrade on the next install.
 */
export function installExactArgv(manager: Manager, dir: string, specs: readonly string[], production = false): string[] {
  if (dir === GLOBAL) return ['npm', '-g', 'install', '--no-audit', '--no-fund', ...specs];
  const prod = productionFlags(manager, production);
  switch (manager) {
    case 'npm':
      return ['npm', '--prefix', dir, 'install', '--no-audit', '--no-fund', ...prod, ...specs];
    case 'yarn':
      // `upgrade` keeps a devDependency where it is (add would move it). Yarn saves an exact
      // version as written (even with --caret), so the spec is given as ^VERSION, like npm saves it.
      return ['yarn', '--cwd', dir, 'upgrade', '--non-interactive', ...prod, ...specs.map(caret)];
    case 'pnpm':
      return ['pnpm', '--dir', dir, 'update', ...prod, ...specs];
  }
}
