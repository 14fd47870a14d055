import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePveApi, makePki, ok, on, startFakePveApi, type TestPki } from '../../engine/test/host/api/fake-pve-api.js';
import { fakeNode } from '../../engine/test/host/api/pve-node-routes.js';

// `unrot doctor` as a user runs it (the built CLI) against an HTTPS server speaking the PVE API.
const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/run.js');
const SECRET = '3e2d1c0b-a987-4654-8321-0fedcba98765';

let work: string;
let pki: TestPki;
let api: FakePveApi;

/** Async: the fake API answers from this process while the CLI runs. */
function unrot(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function config(host: string): Promise<string> {
  const dir = await mkdtemp(join(work, 'cfg-'));
  await mkdir(join(dir, 'containers'));
  const secrets = join(dir, 'secrets.env');
  await writeFile(secrets, `PVE_TOKEN=${SECRET}\n`);
  await chmod(secrets, 0o600);
  await writeFile(join(dir, 'ca.pem'), pki.caPem);
  await writeFile(
    join(dir, 'global.yml'),
    `node: pve\nsecrets_files: [${secrets}]\nhost:\n  url: ${api.url}\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n${host.replace('CA', join(dir, 'ca.pem'))}\n`,
  );
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-cli-doctor-'));
  pki = makePki();
  api = await startFakePveApi(pki, `unrot@pve!unrot=${SECRET}`);
});
afterAll(async () => {
  await api.close();
  await rm(work, { recursive: true, force: true });
});

describe('unrot doctor', () => {
  it('names each missing privilege and exits 6; all present exits 0', async () => {
    let grant: Record<string, number> = { 'VM.Audit': 1 };
    api.routes.length = 0;
    api.routes.push(
      on('GET', '/version', () => ok({ version: '9.1.1' })),
      on('GET', '/access/permissions', (r) => {
        const path = r.query.get('path') ?? '';
        return ok({ [path]: path.startsWith('/storage') ? { 'Datastore.Audit': 1 } : grant });
      }),
      ...fakeNode().routes,
    );
    const dir = await config('  ca_file: CA');
    const missing = await unrot('doctor', '--config', dir);
    expect(missing.code).toBe(6);
    expect(missing.stdout).toContain('MISSING  VM.Snapshot on /vms/101 (snapshot)');
    expect(missing.stdout).toContain('MISSING  VM.Snapshot.Rollback or VM.Snapshot on /vms/102 (rollback)');
    expect(missing.stdout + missing.stderr).not.toContain(SECRET);
    grant = { 'VM.Audit': 1, 'VM.Snapshot': 1 };
    const fine = await unrot('doctor', '--config', dir, '--json');
    expect(fine.code).toBe(0);
    expect(JSON.parse(fine.stdout)).toMatchObject({ mode: 'api', ok: true, missing: [] });
  });

  it('a wrong fingerprint: E_API_TLS and exit 3; a refused token: E_API_AUTH and exit 3; the secret is never printed', async () => {
    const wrong = `${'00:'.repeat(31)}00`;
    const tls = await unrot('doctor', '--config', await config(`  fingerprint: "${wrong}"`));
    expect(tls.code).toBe(3);
    expect(tls.stderr).toContain('E_API_TLS');
    api.routes.length = 0;
    api.routes.push(on('GET', '/version', () => ({ status: 401, statusText: 'invalid token value!', body: { data: null } })));
    const auth = await unrot('doctor', '--config', await config('  ca_file: CA'));
    expect(auth.code).toBe(3);
    expect(auth.stderr).toContain('E_API_AUTH');
    for (const r of [tls, auth]) expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
