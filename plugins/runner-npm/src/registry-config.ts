import { UnrotError } from '@unrot/sdk';
import { GLOBAL } from './commands.js';
import type { Manager } from './project.js';

/** The settings that decide where a package manager connects. Undefined = not set. */
export interface RegistrySettings {
  registry: string;
  httpsProxy?: string;
  proxy?: string;
  noProxy?: string;
  /** How they were read, for the origin in the report. */
  readWith: string;
}

export const NPM_KEYS = ['registry', 'https-proxy', 'proxy', 'noproxy'] as const;
export const PNPM_KEYS = NPM_KEYS;

/** Read with the same project flag the runner's other commands use, so the same .npmrc files apply. */
export function npmConfigGetArgv(dir: string): string[] {
  return dir === GLOBAL ? ['npm', 'config', 'get', ...NPM_KEYS] : ['npm', '--prefix', dir, 'config', 'get', ...NPM_KEYS];
}

/** npm ≥ 11 refuses `config get` for a value holding credentials; its `config list` shows it redacted. */
export function npmConfigListArgv(dir: string): string[] {
  return dir === GLOBAL ? ['npm', 'config', 'list'] : ['npm', '--prefix', dir, 'config', 'list'];
}

/** yarn classic prints its own settings and the npm ones it also honours, as JSON lines. */
export const yarnConfigListArgv = (dir: string): string[] => ['yarn', '--cwd', dir, 'config', 'list', '--json'];

/** pnpm's `config get` takes one key. */
export const pnpmConfigGetArgv = (dir: string, key: string): string[] => ['pnpm', '--dir', dir, 'config', 'get', key];

export const NPM_DEFAULT_REGISTRY = 'https://registry.npmjs.org/';
export const YARN_DEFAULT_REGISTRY = 'https://registry.yarnpkg.com';

/** npm prints `null`, yarn and pnpm `undefined` for a setting that is not set. */
export function setting(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v === '' || v === 'null' || v === 'undefined' ? undefined : v;
}

export const PROTECTED = /option is protected/i;

/** `npm config get K1 K2 …` prints `K=V` lines (values may contain `=`). */
export function parseNpmConfigGet(stdout: string, readWith: string): RegistrySettings {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  if (!values.has('registry')) {
    throw new UnrotError('E_RUNNER_PARSE', `${readWith} printed no registry= line: ${stdout.trim().slice(0, 200)}`);
  }
  return npmSettings(values, readWith);
}

/**
 * `npm config list`: sections of `key = JSON` lines; a line starting with `;` is a comment or a
 * value overridden by a later source. Defaults are not listed, so an absent registry is npm's default.
 */
export function parseNpmConfigList(stdout: string, readWith: string): RegistrySettings {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([^\s;=][^=]*?) = (.*)$/.exec(line);
    if (!match) continue;
    let value: unknown;
    try {
      value = JSON.parse(match[2] as string);
    } catch {
      continue;
    }
    values.set(match[1] as string, Array.isArray(value) ? value.join(',') : String(value));
  }
  return npmSettings(values, readWith);
}

/**
 * `yarn config list --json`: two `inspect` lines, yarn's settings then npm's. yarn 1.22 takes the
 * registry from the npm settings (.npmrc) first, then its own (.yarnrc, default registry.yarnpkg.com);
 * a proxy from its own settings first, then npm's (measured with yarn 1.22.22).
 */
export function parseYarnConfigList(stdout: string, readWith: string): RegistrySettings {
  const inspected: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const event = JSON.parse(line) as { type?: unknown; data?: unknown };
      if (event.type === 'inspect' && typeof event.data === 'object' && event.data !== null)
        inspected.push(event.data as Record<string, unknown>);
    } catch {
      // yarn prints warnings as other lines; only the inspect lines matter.
    }
  }
  const [yarn, npm] = inspected;
  if (!yarn || !npm)
    throw new UnrotError('E_RUNNER_PARSE', `${readWith} did not print yarn's and npm's settings`, { stdout: stdout.slice(0, 500) });
  return {
    registry: setting(npm['registry']) ?? setting(yarn['registry']) ?? YARN_DEFAULT_REGISTRY,
    httpsProxy: setting(yarn['https-proxy']) ?? setting(npm['https-proxy']),
    proxy: setting(yarn['proxy']) ?? setting(npm['proxy']),
    readWith,
  };
}

/**
 * The proxy a request to the registry goes through: npm and pnpm use `https-proxy || proxy` for
 * every request; yarn classic uses `https-proxy` (else `proxy`) for https and `proxy` for http.
 */
export function effectiveProxy(manager: Manager, s: RegistrySettings, registryScheme: string): { key: string; value: string } | undefined {
  if (manager === 'yarn' && registryScheme === 'http') return s.proxy ? { key: 'proxy', value: s.proxy } : undefined;
  if (s.httpsProxy) return { key: 'https-proxy', value: s.httpsProxy };
  return s.proxy ? { key: 'proxy', value: s.proxy } : undefined;
}

/** npm's settings from its key/value pairs; an absent registry is npm's default. */
function npmSettings(values: ReadonlyMap<string, string>, readWith: string): RegistrySettings {
  return {
    registry: setting(values.get('registry')) ?? NPM_DEFAULT_REGISTRY,
    httpsProxy: setting(values.get('https-proxy')),
    proxy: setting(values.get('proxy')),
    noProxy: setting(values.get('noproxy')),
    readWith,
  };
}
