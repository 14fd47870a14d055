import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { SDK_VERSION, UnrotError } from '@unrot/sdk';
import { loadRunnerModule } from './load-runner.js';

/** The `unrot` block a plugin's package.json carries. */
interface UnrotManifest {
  sdk?: unknown;
  runners?: unknown;
}

export interface RunnerEntry {
  id: string;
  kind: 'os' | 'app';
  description: string;
  optionsSchema: TSchema;
  modulePath: string;
  plugin: { name: string; version: string };
}

/**
 * Reads the `unrot` block of each plugin root (oclif gives the CLI the roots of
 * installed plugins) and imports the runner modules it lists. Only commands that
 * need runners call this, so `unrot --version` never pays for it.
 */
export async function discoverRunners(pluginRoots: readonly string[]): Promise<Map<string, RunnerEntry>> {
  const catalog = new Map<string, RunnerEntry>();
  for (const root of pluginRoots) {
    let pkg: { name?: string; version?: string; unrot?: UnrotManifest };
    try {
      pkg = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      continue;
    }
    const manifest = pkg.unrot;
    if (!manifest) continue;
    if (manifest.sdk !== SDK_VERSION) {
      throw new UnrotError(
        'E_PLUGIN_INCOMPATIBLE',
        `plugin ${pkg.name} declares unrot.sdk ${String(manifest.sdk)}; this unrot needs ${SDK_VERSION}`,
        { root },
      );
    }
    const modules = Array.isArray(manifest.runners) ? manifest.runners.filter((m): m is string => typeof m === 'string') : [];
    for (const rel of modules) {
      const modulePath = resolve(root, rel);
      const runner = await loadRunnerModule(modulePath);
      const existing = catalog.get(runner.id);
      if (existing && existing.modulePath !== modulePath) {
        throw new UnrotError('E_PLUGIN_LOAD', `runner id '${runner.id}' is provided by both ${existing.plugin.name} and ${pkg.name}`, {
          root,
        });
      }
      catalog.set(runner.id, {
        id: runner.id,
        kind: runner.kind,
        description: runner.description,
        optionsSchema: runner.optionsSchema,
        modulePath,
        plugin: { name: pkg.name ?? root, version: pkg.version ?? '0.0.0' },
      });
    }
  }
  return catalog;
}
