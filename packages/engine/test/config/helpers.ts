import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import { ConfigError, type RunnerCatalogEntry } from '../../src/config/index.js';
import { discoverRunners } from '../../src/plugins/discover-plugins.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes a config directory from `{ 'global.yml': '...', 'containers/101.yml': '...' }`. */
export async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'unrot-config-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Runs `fn`, which must throw a ConfigError, and returns it. */
export async function configError(fn: () => unknown): Promise<ConfigError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/**
 * The runner catalog as the engine builds it (discoverRunners: package.json `unrot.runners` → import →
 * default export Runner), over every plugins/runner-* whose listed modules are built. A plugin another
 * helper has not built yet is left out; a built one that fails to load fails the test.
 */
export async function discoverRunnerCatalog(): Promise<Map<string, RunnerCatalogEntry>> {
  const pluginsDir = join(REPO_ROOT, 'plugins');
  const roots: string[] = [];
  for (const name of (await readdir(pluginsDir)).filter((n) => n.startsWith('runner-')).sort()) {
    const root = join(pluginsDir, name);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { unrot?: { runners?: string[] } };
    const modules = pkg.unrot?.runners ?? [];
    if (modules.length > 0 && modules.every((rel) => existsSync(join(root, rel)))) roots.push(root);
  }
  return discoverRunners(roots);
}
