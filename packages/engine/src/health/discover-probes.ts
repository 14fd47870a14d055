import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { type Probe, SDK_VERSION, UnrotError } from '@unrot/sdk';

export interface ProbeEntry {
  id: string;
  description: string;
  optionsSchema: TSchema;
  modulePath: string;
  plugin: { name: string; version: string };
}

const cache = new Map<string, Promise<Probe<TSchema>>>();

function isProbe(value: unknown): value is Probe<TSchema> {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p['id'] === 'string' && typeof p['attempt'] === 'function' && typeof p['optionsSchema'] === 'object';
}

/** Imports a probe module by path (once per thread) and checks it speaks our SDK version. */
export function loadProbeModule(modulePath: string): Promise<Probe<TSchema>> {
  let pending = cache.get(modulePath);
  if (!pending) {
    pending = (async () => {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
      } catch (error) {
        throw new UnrotError('E_PLUGIN_LOAD', `cannot import probe module ${modulePath}: ${(error as Error).message}`, { modulePath });
      }
      const probe = mod['default'] ?? mod['probe'];
      if (!isProbe(probe))
        throw new UnrotError('E_PLUGIN_LOAD', `${modulePath} exports no probe (default export or \`probe\`)`, { modulePath });
      if (probe.sdk !== SDK_VERSION)
        throw new UnrotError(
          'E_PLUGIN_INCOMPATIBLE',
          `probe ${probe.id} targets SDK ${String(probe.sdk)}, this unrot speaks SDK ${SDK_VERSION}`,
          {
            modulePath,
          },
        );
      return probe;
    })();
    cache.set(modulePath, pending);
    pending.catch(() => cache.delete(modulePath));
  }
  return pending;
}

/**
 * Reads `unrot.probes` of each plugin root (the same roots discoverRunners gets) and imports
 * the probe modules listed. A root without probes is skipped; the SDK version is checked.
 */
export async function discoverProbes(pluginRoots: readonly string[]): Promise<Map<string, ProbeEntry>> {
  const catalog = new Map<string, ProbeEntry>();
  for (const root of pluginRoots) {
    let pkg: { name?: string; version?: string; unrot?: { sdk?: unknown; probes?: unknown } };
    try {
      pkg = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      continue;
    }
    const manifest = pkg.unrot;
    if (!manifest || !Array.isArray(manifest.probes)) continue;
    if (manifest.sdk !== SDK_VERSION)
      throw new UnrotError(
        'E_PLUGIN_INCOMPATIBLE',
        `plugin ${pkg.name} declares unrot.sdk ${String(manifest.sdk)}; this unrot needs ${SDK_VERSION}`,
        {
          root,
        },
      );
    for (const rel of manifest.probes.filter((m): m is string => typeof m === 'string')) {
      const modulePath = resolve(root, rel);
      const probe = await loadProbeModule(modulePath);
      const existing = catalog.get(probe.id);
      if (existing && existing.modulePath !== modulePath)
        throw new UnrotError('E_PLUGIN_LOAD', `probe id '${probe.id}' is provided by both ${existing.plugin.name} and ${pkg.name}`, {
          root,
        });
      catalog.set(probe.id, {
        id: probe.id,
        description: probe.description,
        optionsSchema: probe.optionsSchema,
        modulePath,
        plugin: { name: pkg.name ?? root, version: pkg.version ?? '0.0.0' },
      });
    }
  }
  return catalog;
}
