// Every runner under plugins/ (no list to keep in sync), loaded from its built dist the way the
// engine loads it: `unrot.runners` in its package.json. Shared by the runner-options renderer and its test.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const PLUGINS_DIR = join(import.meta.dirname, '..', 'plugins');

/** @returns {Promise<Array<{ id: string, kind: 'os' | 'app', optionsSchema: unknown }>>} */
export async function loadRunnerCatalog(pluginsDir = PLUGINS_DIR) {
  const entries = [];
  for (const dir of readdirSync(pluginsDir).sort()) {
    const pkgFile = join(pluginsDir, dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const files = JSON.parse(readFileSync(pkgFile, 'utf8')).unrot?.runners ?? [];
    for (const file of files) {
      const mod = await import(pathToFileURL(join(pluginsDir, dir, file)).href);
      const runner = mod.runner ?? mod.default;
      entries.push({ id: runner.id, kind: runner.kind, optionsSchema: runner.optionsSchema });
    }
  }
  return entries;
}
