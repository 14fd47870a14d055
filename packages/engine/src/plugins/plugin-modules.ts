import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SDK_VERSION, UnrotError } from '@unrot/sdk';
import { assertSdkCompatible, type PluginManifest } from './sdk-compat.js';

/** The three kinds of module a plugin's `unrot` block can list, and how to recognise each. */
const KINDS = {
  runners: { noun: 'runner', exportName: 'runner', methods: ['detect', 'check', 'plan', 'apply'] },
  probes: { noun: 'probe', exportName: 'probe', methods: ['attempt'] },
  notifiers: { noun: 'notifier', exportName: 'notifier', methods: ['send'] },
} as const;

export type PluginKind = keyof typeof KINDS;

interface PluginValue {
  id: string;
  sdk: number;
}

export interface DiscoveredModule<T> {
  value: T;
  modulePath: string;
  plugin: { name: string; version: string };
}

const cache = new Map<string, Promise<unknown>>();

function looksLike(kind: PluginKind, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['id'] === 'string' && typeof v['optionsSchema'] === 'object' && KINDS[kind].methods.every((m) => typeof v[m] === 'function')
  );
}

/**
 * Imports a plugin module by path (once per thread) and checks it speaks our SDK version.
 * `pluginName` (known at discovery, not in a worker) only makes the refusal name the package.
 */
export function loadPluginModule<T extends PluginValue>(kind: PluginKind, modulePath: string, pluginName?: string): Promise<T> {
  const key = `${kind}:${modulePath}`;
  let pending = cache.get(key) as Promise<T> | undefined;
  if (!pending) {
    const { noun, exportName } = KINDS[kind];
    pending = (async () => {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
      } catch (error) {
        throw new UnrotError('E_PLUGIN_LOAD', `cannot import ${noun} module ${modulePath}: ${(error as Error).message}`, { modulePath });
      }
      const value = mod['default'] ?? mod[exportName];
      if (!looksLike(kind, value)) {
        throw new UnrotError('E_PLUGIN_LOAD', `${modulePath} exports no ${noun} (default export or \`${exportName}\`)`, { modulePath });
      }
      const typed = value as T;
      if (typed.sdk !== SDK_VERSION) {
        const from = pluginName ? ` of plugin ${pluginName}` : '';
        throw new UnrotError(
          'E_PLUGIN_INCOMPATIBLE',
          `${noun} ${typed.id}${from} was built for SDK ${String(typed.sdk)} (its \`sdk\` field); this unrot speaks SDK ${SDK_VERSION}`,
          { modulePath, builtFor: typed.sdk ?? null, engineSdk: SDK_VERSION },
        );
      }
      return typed;
    })();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/**
 * Reads the `unrot` block of each plugin root (oclif gives the CLI the roots of installed
 * plugins), and imports the modules listed under `kind`. Roots without that list are skipped;
 * a plugin for another SDK major (its `unrot.sdk` or its @unrot/sdk peer range, see sdk-compat.ts),
 * or two plugins claiming one id, are refused.
 */
export async function discoverPluginModules<T extends PluginValue>(
  kind: PluginKind,
  pluginRoots: readonly string[],
): Promise<Map<string, DiscoveredModule<T>>> {
  const { noun } = KINDS[kind];
  const found = new Map<string, DiscoveredModule<T>>();
  for (const root of pluginRoots) {
    let pkg: PluginManifest;
    try {
      pkg = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      continue;
    }
    const list = pkg.unrot?.[kind];
    if (!pkg.unrot || !Array.isArray(list)) continue;
    const plugin = { name: pkg.name ?? root, version: pkg.version ?? '0.0.0' };
    assertSdkCompatible(pkg, root);
    for (const rel of list.filter((m): m is string => typeof m === 'string')) {
      const modulePath = resolve(root, rel);
      const value = await loadPluginModule<T>(kind, modulePath, plugin.name);
      const existing = found.get(value.id);
      if (existing && existing.modulePath !== modulePath) {
        throw new UnrotError('E_PLUGIN_LOAD', `${noun} id '${value.id}' is provided by both ${existing.plugin.name} and ${plugin.name}`, {
          root,
        });
      }
      found.set(value.id, { value, modulePath, plugin });
    }
  }
  return found;
}
