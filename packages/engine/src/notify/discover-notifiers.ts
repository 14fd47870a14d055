import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { type Notifier, SDK_VERSION, UnrotError } from '@unrot/sdk';

function isNotifier(value: unknown): value is Notifier<TSchema> {
  if (typeof value !== 'object' || value === null) return false;
  const n = value as Record<string, unknown>;
  return typeof n['id'] === 'string' && typeof n['send'] === 'function' && typeof n['optionsSchema'] === 'object';
}

/**
 * Reads the `unrot.notifiers` list of each plugin root (the same roots as for runners) and
 * imports the modules: default export or `notifier`. Notifiers run in the main thread, after
 * the run, so they are imported here once.
 */
export async function discoverNotifiers(pluginRoots: readonly string[]): Promise<Map<string, Notifier>> {
  const found = new Map<string, { notifier: Notifier; plugin: string; modulePath: string }>();
  for (const root of pluginRoots) {
    let pkg: { name?: string; unrot?: { sdk?: unknown; notifiers?: unknown } };
    try {
      pkg = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      continue;
    }
    const list = pkg.unrot?.notifiers;
    if (!Array.isArray(list)) continue;
    const plugin = pkg.name ?? root;
    if (pkg.unrot?.sdk !== SDK_VERSION) {
      throw new UnrotError(
        'E_PLUGIN_INCOMPATIBLE',
        `plugin ${plugin} declares unrot.sdk ${String(pkg.unrot?.sdk)}; this unrot needs ${SDK_VERSION}`,
        {
          root,
        },
      );
    }
    for (const rel of list.filter((m): m is string => typeof m === 'string')) {
      const modulePath = resolve(root, rel);
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
      } catch (error) {
        throw new UnrotError('E_PLUGIN_LOAD', `cannot import notifier module ${modulePath}: ${(error as Error).message}`, { modulePath });
      }
      const notifier = mod['default'] ?? mod['notifier'];
      if (!isNotifier(notifier)) {
        throw new UnrotError('E_PLUGIN_LOAD', `${modulePath} exports no notifier (default export or \`notifier\`)`, { modulePath });
      }
      if (notifier.sdk !== SDK_VERSION) {
        throw new UnrotError(
          'E_PLUGIN_INCOMPATIBLE',
          `notifier ${notifier.id} targets SDK ${String(notifier.sdk)}, this unrot speaks SDK ${SDK_VERSION}`,
          {
            modulePath,
          },
        );
      }
      const existing = found.get(notifier.id);
      if (existing && existing.modulePath !== modulePath) {
        throw new UnrotError('E_PLUGIN_LOAD', `notifier id '${notifier.id}' is provided by both ${existing.plugin} and ${plugin}`, {
          root,
        });
      }
      found.set(notifier.id, { notifier, plugin, modulePath });
    }
  }
  return new Map([...found].map(([id, e]) => [id, e.notifier]));
}
