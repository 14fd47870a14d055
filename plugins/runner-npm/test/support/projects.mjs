// Real temp projects for runner-npm tests and fixture capture. Everything (caches, pnpm store,
// npm's global prefix) lives under one temp root, so the host's own packages are never touched.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Versions the tests install; yarn@1 and pnpm@9 both run on Node 20. */
export const TOOL_SPECS = ['yarn@1.22.22', 'pnpm@9.15.9'];

/**
 * @param {string} root temp directory owning everything
 * @returns {{ env: NodeJS.ProcessEnv, bareEnv: NodeJS.ProcessEnv, toolsBin: string, globalPrefix: string }}
 */
export function toolEnv(root) {
  const toolsBin = join(root, 'tools', 'node_modules', '.bin');
  const globalPrefix = join(root, 'global');
  // Start from this process's environment: it carries the proxy and CA settings the registry needs.
  const common = {
    ...process.env,
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'xdg', 'config'),
    XDG_CACHE_HOME: join(root, 'xdg', 'cache'),
    XDG_DATA_HOME: join(root, 'xdg', 'data'),
    XDG_STATE_HOME: join(root, 'xdg', 'state'),
    npm_config_cache: join(root, 'npm-cache'),
    npm_config_prefix: globalPrefix,
    npm_config_update_notifier: 'false',
    YARN_CACHE_FOLDER: join(root, 'yarn-cache'),
  };
  const nodeBin = process.execPath.replace(/\/node$/, '');
  // bareEnv: only node and npm (no yarn/pnpm) on PATH, like a container without them.
  const bareEnv = { ...common, PATH: `${nodeBin}:/usr/bin:/bin` };
  const env = { ...common, PATH: `${toolsBin}:${nodeBin}:/usr/bin:/bin` };
  for (const dir of [common.HOME, globalPrefix]) mkdirSync(dir, { recursive: true });
  return { env, bareEnv, toolsBin, globalPrefix };
}

/** Installs yarn classic and pnpm into root/tools from the npm registry. */
export function installTools(root, env) {
  mkdirSync(join(root, 'tools'), { recursive: true });
  run(['npm', '--prefix', join(root, 'tools'), 'install', '--no-audit', '--no-fund', '--loglevel=error', ...TOOL_SPECS], env);
}

export function run(argv, env, cwd) {
  const [file, ...args] = argv;
  return execFileSync(file, args, { env, cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A project whose package.json declares `ranges` while the lockfile and node_modules hold
 * `installed` (older than the newest in range), the state an app is in some months after deploy.
 * @param {'npm'|'yarn'|'pnpm'} manager
 * @param {Record<string,string>} deps name → declared range, e.g. { ms: '^2.0.0' }
 * @param {Record<string,string>} installed name → installed version, e.g. { ms: '2.0.0' }
 * @param {Record<string,string>} [devDeps]
 */
export function makeProject(dir, manager, env, deps, installed, devDeps = {}) {
  mkdirSync(dir, { recursive: true });
  const pin = (ranges) => Object.fromEntries(Object.keys(ranges).map((n) => [n, installed[n] ?? ranges[n]]));
  // Install exact versions first, then widen package.json (and the lockfile's specifiers) to the ranges.
  writeJson(join(dir, 'package.json'), {
    name: 'app',
    version: '1.0.0',
    private: true,
    dependencies: pin(deps),
    devDependencies: pin(devDeps),
  });
  if (manager === 'npm') run(['npm', 'install', '--no-audit', '--no-fund', '--loglevel=error'], env, dir);
  if (manager === 'yarn') run(['yarn', 'install', '--non-interactive', '--silent'], env, dir);
  if (manager === 'pnpm') run(['pnpm', 'install', '--reporter=silent'], env, dir);
  writeJson(join(dir, 'package.json'), { name: 'app', version: '1.0.0', private: true, dependencies: deps, devDependencies: devDeps });
  const all = { ...deps, ...devDeps };
  if (manager === 'npm') {
    const lockFile = join(dir, 'package-lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
    lock.packages[''].dependencies = deps;
    lock.packages[''].devDependencies = devDeps;
    writeJson(lockFile, lock);
  }
  if (manager === 'yarn') {
    let lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    for (const [name, range] of Object.entries(all)) lock = lock.replace(`\n${name}@${installed[name]}:`, `\n${name}@${range}:`);
    writeFileSync(join(dir, 'yarn.lock'), lock);
  }
  if (manager === 'pnpm') {
    let lock = readFileSync(join(dir, 'pnpm-lock.yaml'), 'utf8');
    for (const [name, range] of Object.entries(all))
      lock = lock.replace(`${name}:\n        specifier: ${installed[name]}`, `${name}:\n        specifier: ${range}`);
    writeFileSync(join(dir, 'pnpm-lock.yaml'), lock);
  }
}

/** Reinstalls the project from its lockfile without devDependencies, as a production deploy does. */
export function reinstallProduction(dir, manager, env) {
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  if (manager === 'npm') run(['npm', 'ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], env, dir);
  if (manager === 'yarn') run(['yarn', 'install', '--production', '--frozen-lockfile', '--non-interactive', '--silent'], env, dir);
  if (manager === 'pnpm') run(['pnpm', 'install', '--prod', '--frozen-lockfile', '--reporter=silent'], env, dir);
}

export function installedVersion(dir, name) {
  return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

export function isInstalled(dir, name) {
  return existsSync(join(dir, 'node_modules', name, 'package.json'));
}

export function declaredRange(dir, name) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return pkg.dependencies?.[name] ?? pkg.devDependencies?.[name];
}
