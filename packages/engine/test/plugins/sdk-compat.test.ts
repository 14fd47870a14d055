import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SDK_VERSION } from '@unrot/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverRunners } from '../../src/plugins/discover-plugins.js';
import { sdkMajorsOf } from '../../src/plugins/sdk-compat.js';
import { EXIT_CODES, exitCodeFor } from '../../src/report/exit-codes.js';

// A plugin states the SDK major it was built for in its package.json `unrot.sdk`, in its
// @unrot/sdk peer range, and in each module's `sdk` field. The engine refuses any of them that
// does not match its own SDK major, before running any plugin code, with a message a user can act on.
const repo = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const fixtureRunner = join(repo, 'packages/engine/test/fixtures/runners/file-copy-runner.mjs');
let work: string;

async function plugin(pkg: Record<string, unknown>, files: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(join(work, 'plugin-'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ version: '2.3.4', ...pkg }));
  for (const [file, body] of Object.entries(files)) await writeFile(join(root, file), body);
  return root;
}

/** The error discoverRunners rejects with, and the exit code the CLI and runUnrot give it. */
async function refusal(roots: string[]): Promise<{ code: string; message: string; exitCode: number }> {
  try {
    await discoverRunners(roots);
  } catch (error) {
    const e = error as { code: string; message: string };
    return { code: e.code, message: e.message, exitCode: exitCodeFor({ error }) };
  }
  throw new Error('expected discoverRunners to refuse the plugin');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-sdk-compat-'));
});

describe('SDK compatibility of plugins', () => {
  it('speaks SDK 1, the major of the @unrot/sdk package', () => {
    expect(SDK_VERSION).toBe(1);
  });

  it('accepts a plugin whose unrot.sdk and caret peer range both match', async () => {
    const root = await plugin({
      name: 'good-runner',
      peerDependencies: { '@unrot/sdk': '^1.0.0' },
      unrot: { sdk: 1, runners: [fixtureRunner] },
    });
    expect([...(await discoverRunners([root])).keys()]).toEqual(['file-copy']);
  });

  it('refuses a manifest built for another SDK major, naming the plugin, its SDK and ours (exit 2)', async () => {
    const root = await plugin({ name: 'old-runner', unrot: { sdk: 0, runners: [fixtureRunner] } });
    expect(await refusal([root])).toEqual({
      code: 'E_PLUGIN_INCOMPATIBLE',
      message:
        'plugin old-runner@2.3.4 was built for SDK 0 (unrot.sdk); this unrot speaks SDK 1: install a version of old-runner built for SDK 1',
      exitCode: EXIT_CODES.CONFIG_ERROR,
    });
    expect(EXIT_CODES.CONFIG_ERROR).toBe(2);
  });

  it('refuses a manifest without unrot.sdk', async () => {
    const root = await plugin({ name: 'unversioned-runner', unrot: { runners: [fixtureRunner] } });
    expect(await refusal([root])).toMatchObject({
      code: 'E_PLUGIN_INCOMPATIBLE',
      message: expect.stringContaining('plugin unversioned-runner@2.3.4 was built for no SDK (package.json has no unrot.sdk)'),
      exitCode: 2,
    });
  });

  it('refuses a peer range for another SDK major even when unrot.sdk matches (exit 2)', async () => {
    // npm's caret on 0.x admits the same minor only: ^0.1.0 is the pre-1.0 SDK.
    const old = await plugin({
      name: '@acme/unrot-runner-zypper',
      peerDependencies: { '@unrot/sdk': '^0.1.0' },
      unrot: { sdk: 1, runners: [fixtureRunner] },
    });
    expect(await refusal([old])).toEqual({
      code: 'E_PLUGIN_INCOMPATIBLE',
      message:
        'plugin @acme/unrot-runner-zypper@2.3.4 was built for SDK 0 (peerDependencies @unrot/sdk "^0.1.0"); this unrot speaks SDK 1: install a version of @acme/unrot-runner-zypper built for SDK 1',
      exitCode: 2,
    });
    const future = await plugin({
      name: 'next-runner',
      peerDependencies: { '@unrot/sdk': '>=2.0.0' },
      unrot: { sdk: 1, runners: [fixtureRunner] },
    });
    expect((await refusal([future])).message).toContain('was built for SDK 2 and later (peerDependencies @unrot/sdk ">=2.0.0")');
    const unreadable = await plugin({
      name: 'odd-runner',
      peerDependencies: { '@unrot/sdk': 'latest' },
      unrot: { sdk: 1, runners: [fixtureRunner] },
    });
    expect((await refusal([unreadable])).message).toContain('was built for an SDK this unrot cannot tell');
  });

  it('refuses a module whose own sdk field names another major, naming its plugin', async () => {
    const root = await plugin(
      { name: 'mixed-runner', unrot: { sdk: 1, runners: ['./index.mjs'] } },
      {
        'index.mjs': `import base from ${JSON.stringify(fixtureRunner)};\nexport default { ...base, id: 'mixed', sdk: 2 };\n`,
      },
    );
    expect(await refusal([root])).toEqual({
      code: 'E_PLUGIN_INCOMPATIBLE',
      message: 'runner mixed of plugin mixed-runner was built for SDK 2 (its `sdk` field); this unrot speaks SDK 1',
      exitCode: 2,
    });
  });

  it('reads the SDK majors a peer range admits', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(sdkMajorsOf('^1.0.0')).toEqual({ lo: 1, hi: 1 });
    expect(sdkMajorsOf('^1.4.2')).toEqual({ lo: 1, hi: 1 });
    expect(sdkMajorsOf('~1.2')).toEqual({ lo: 1, hi: 1 });
    expect(sdkMajorsOf('1.x')).toEqual({ lo: 1, hi: 1 });
    expect(sdkMajorsOf('1.0.0')).toEqual({ lo: 1, hi: 1 });
    expect(sdkMajorsOf('^0.1.0')).toEqual({ lo: 0, hi: 0 });
    expect(sdkMajorsOf('>=1.0.0 <2.0.0')).toEqual({ lo: 1, hi: 1 });
    expect(sdkMajorsOf('>=1.0.0 <2.1.0')).toEqual({ lo: 1, hi: 2 });
    expect(sdkMajorsOf('1.0.0 - 3.2.0')).toEqual({ lo: 1, hi: 3 });
    expect(sdkMajorsOf('^1.0.0 || ^2.0.0')).toEqual({ lo: 1, hi: 2 });
    expect(sdkMajorsOf('>=1')).toEqual({ lo: 1, hi: inf });
    expect(sdkMajorsOf('>1')).toEqual({ lo: 2, hi: inf });
    expect(sdkMajorsOf('*')).toEqual({ lo: 0, hi: inf });
    expect(sdkMajorsOf('workspace:^1.0.0')).toEqual({ lo: 1, hi: 1 });
    expect(sdkMajorsOf('latest')).toBeUndefined();
    expect(sdkMajorsOf('github:acme/sdk')).toBeUndefined();
  });
});
