import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverRunners } from '../../src/plugins/discover-plugins.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const fixtureRunner = join(repo, 'packages/engine/test/fixtures/runners/file-copy-runner.mjs');
let work: string;

async function plugin(name: string, unrot: unknown, files: Record<string, string> = {}): Promise<string> {
  const root = join(work, name.replace(/[@/]/g, '_'));
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ name, version: '1.2.3', unrot }));
  for (const [file, body] of Object.entries(files)) await writeFile(join(root, file), body);
  return root;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-discover-'));
});

describe('discoverRunners', () => {
  it('finds the bundled runner plugins through their unrot block', async () => {
    const catalog = await discoverRunners(['runner-apt', 'runner-npm', 'runner-pip'].map((p) => join(repo, 'plugins', p)));
    expect([...catalog.keys()].sort()).toEqual(['apt', 'npm', 'pip']);
    expect(catalog.get('apt')).toMatchObject({ kind: 'os', plugin: { name: '@unrot/runner-apt' } });
    expect(catalog.get('npm')?.kind).toBe('app');
  });

  it('ignores packages without an unrot block (other oclif plugins)', async () => {
    const root = await plugin('@oclif/plugin-whatever', undefined);
    expect((await discoverRunners([root])).size).toBe(0);
  });

  it('refuses a plugin for another SDK version', async () => {
    const root = await plugin('old-runner', { sdk: 0, runners: [fixtureRunner] });
    await expect(discoverRunners([root])).rejects.toMatchObject({ code: 'E_PLUGIN_INCOMPATIBLE' });
  });

  it('refuses a module that exports no runner, or one that cannot be imported', async () => {
    const empty = await plugin('empty-runner', { sdk: 1, runners: ['./index.mjs'] }, { 'index.mjs': 'export const nothing = 1;\n' });
    await expect(discoverRunners([empty])).rejects.toMatchObject({ code: 'E_PLUGIN_LOAD' });
    const broken = await plugin('broken-runner', { sdk: 1, runners: ['./missing.mjs'] });
    await expect(discoverRunners([broken])).rejects.toMatchObject({ code: 'E_PLUGIN_LOAD' });
  });

  it('refuses two plugins claiming the same runner id', async () => {
    const a = await plugin('a-runner', { sdk: 1, runners: [fixtureRunner] });
    const b = await plugin(
      'b-runner',
      { sdk: 1, runners: ['./copy.mjs'] },
      { 'copy.mjs': `export { default } from ${JSON.stringify(fixtureRunner)};\n` },
    );
    await expect(discoverRunners([a, b])).rejects.toMatchObject({ code: 'E_PLUGIN_LOAD', message: expect.stringContaining("'file-copy'") });
  });
});
