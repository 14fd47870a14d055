import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// From the built package, as the worker threads load dist/workers/container-worker.js.
import { runUnrot, secretForms } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePveApi, makePki, startFakePveApi } from './fake-pve-api.js';
import { fakeNode } from './pve-node-routes.js';

// A whole real run (config, secrets, piscina workers, the lifecycle) with `host:` set to the API:
// listing, config, storage, status and the pre-update snapshot go to an HTTPS server speaking the
// PVE API; only exec runs a local `pct` (a stand-in whose exec runs the command here). No pvesh
// or pvesm exists on PATH, so any CLI fallback would fail the run.
const here = dirname(fileURLToPath(import.meta.url));
const fakePct = join(here, '../../fixtures/fake-host/pct');
const runner = join(here, '../../fixtures/runners/file-copy-runner.mjs');
const SECRET = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

let work: string;
let api: FakePveApi;
const savedPath = process.env['PATH'];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-run-api-'));
  const bin = join(work, 'bin');
  await mkdir(bin);
  // `pct` logs its subcommand, then runs the fixture (which finds fleet.json beside its own path).
  await symlink(fakePct, join(bin, 'pct-real'));
  await writeFile(join(bin, 'pct'), `#!/bin/sh\necho "$1" >> ${join(work, 'pct-calls.log')}\nexec "$(dirname "$0")/pct-real" "$@"\n`);
  await chmod(join(bin, 'pct'), 0o755);
  await writeFile(join(bin, 'fleet.json'), JSON.stringify({ containers: [{ vmid: 101, name: 'web01', status: 'running' }] }));
  process.env['PATH'] = `${bin}:${savedPath}`;
  const pki = makePki();
  api = await startFakePveApi(pki, `unrot@pve!unrot=${SECRET}`);
  await writeFile(join(work, 'ca.pem'), pki.caPem);
});

afterAll(async () => {
  process.env['PATH'] = savedPath;
  await api.close();
  await rm(work, { recursive: true, force: true });
});

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('a run through the API host', () => {
  it('updates a container with its snapshot taken through the API, exec through pct, and the token in no file', async () => {
    const node = fakeNode();
    api.routes.length = 0;
    api.routes.push(...node.routes);
    const dir = join(work, 'cfg');
    await mkdir(join(dir, 'containers'), { recursive: true });
    const secrets = join(dir, 'secrets.env');
    await writeFile(secrets, `PVE_TOKEN=${SECRET}\n`);
    await chmod(secrets, 0o600);
    await writeFile(join(work, 'src1'), 'v2\n');
    await writeFile(join(work, 'dst1'), 'v1\n');
    const pluginRoot = join(work, 'plugin');
    await mkdir(pluginRoot, { recursive: true });
    await writeFile(
      join(pluginRoot, 'package.json'),
      JSON.stringify({
        name: '@unrot-test/api-runners',
        version: '1.0.0',
        type: 'module',
        keywords: ['oclif-plugin'],
        oclif: { commands: './no-commands' },
        unrot: { sdk: 1, runners: [runner] },
      }),
    );
    await writeFile(
      join(dir, 'global.yml'),
      [
        'node: pve',
        `state_dir: ${join(work, 'state')}`,
        `secrets_files: [${secrets}]`,
        'host:',
        `  url: ${api.url}`,
        '  token_id: unrot@pve!unrot',
        '  token: { secret: PVE_TOKEN }',
        `  ca_file: ${join(work, 'ca.pem')}`,
        'targets: { deny: [102] }',
        'defaults:',
        '  backup: { mode: snapshot }',
        '  runners: { os: none }',
        '  retries: 0',
        'preflight: { max_load: 100000, network: false }',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'containers/101.yml'), `runners:\n  file-copy: { source: ${work}/src1, target: ${work}/dst1 }\n`);

    const run = await runUnrot({ configDir: dir, dryRun: false, pluginRoots: [pluginRoot] });

    // 102 (locked backup) is denied by the policy; 103 vanished between the list and its config read.
    expect(run.report.containers.map((c) => [c.vmid, c.outcome])).toEqual([
      [101, 'updated'],
      [102, 'skipped'],
    ]);
    expect(await readFile(join(work, 'dst1'), 'utf8')).toBe('v2\n');
    const snapshot = api.requests.find((r) => r.method === 'POST' && r.path === '/nodes/pve/lxc/101/snapshot');
    expect(snapshot?.form.get('snapname')).toMatch(/^unrot-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(snapshot?.form.get('description')).toMatch(/^unrot run \d{8}T\d{6}Z-[0-9a-f]{6}: before updating file-copy/);
    expect(api.requests.some((r) => r.path.startsWith('/nodes/pve/tasks/'))).toBe(true);
    // The only host processes were exec: no pct config/status/snapshot/list, no pvesh/pvesm at all.
    const calls = (await readFile(join(work, 'pct-calls.log'), 'utf8')).trim().split('\n');
    expect(new Set(calls)).toEqual(new Set(['exec']));
    // Every request carried the token; nothing unrot wrote holds it in any encoding.
    expect(api.requests.every((r) => r.authorization === `PVEAPIToken=unrot@pve!unrot=${SECRET}`)).toBe(true);
    const files = await allFiles(join(work, 'state'));
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const form of secretForms(SECRET)) expect(text.includes(form), `${file} leaks the token`).toBe(false);
    }
    expect(JSON.stringify(run.report)).not.toContain(SECRET);
  });
});
