/**
 * The API server as the sandbox runs it: the detached daemon (`unrot-sandbox up` / `api start`),
 * R/api.json with the URL, CA, fingerprint and token secret file, a real HTTPS call with what
 * that file says, the `unrot-sandbox api token` command for a least-privilege token, and stop.
 * Port: UNROT_TEST_API_PORT (default 18006), so it runs beside a default sandbox on 8006.
 */
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HostAccessSchema } from '../../../engine/src/policy/host-schema.js';
import { type ApiInfo, apiInfoFile, apiServerRunning, ensureApiServer, stopApiServer } from '../../src/pve/api/daemon.js';
import { createTestSandbox, runBin, TEST_NODE, type TestSandbox } from './helpers.js';

const PORT = process.env['UNROT_TEST_API_PORT'] ?? '18006';
let sb: TestSandbox;
let info: ApiInfo;

function call(method: string, path: string, auth: string, opts: { ca?: string; fingerprint?: string } = {}) {
  return new Promise<{ status: number; reason: string; body: string; fingerprint: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(PORT),
        method,
        path: `/api2/json${path}`,
        headers: { Authorization: auth },
        ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }),
      },
      (res) => {
        const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body, fingerprint }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

beforeAll(async () => {
  sb = createTestSandbox({ btrfs: false });
  sb.env['UNROT_SANDBOX_API_PORT'] = PORT;
  const started = await ensureApiServer(sb.paths, { env: sb.env });
  if (!started) throw new Error('API server not started');
  info = started;
});

afterAll(async () => {
  if (sb) await stopApiServer(sb.paths);
  sb?.cleanup();
});

describe('the API daemon', () => {
  it('writes R/api.json with what a client needs, the secret only in a 0600 file', () => {
    const onDisk = JSON.parse(readFileSync(apiInfoFile(sb.paths), 'utf8')) as ApiInfo;
    expect(onDisk).toEqual(info);
    expect(info).toMatchObject({ url: `https://127.0.0.1:${PORT}`, node: TEST_NODE, tokenid: 'unrot@pve!unrot' });
    expect(readFileSync(info.secretFile, 'utf8').trim()).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(onDisk)).not.toContain(readFileSync(info.secretFile, 'utf8').trim());
  });

  it('writes the host: block for unrot (valid against the engine schema) and a 0600 secrets file', () => {
    const yml = parse(readFileSync(info.hostYml, 'utf8')) as { secrets_files: string[]; host: Record<string, unknown> };
    expect(yml.host).toEqual({
      api: 'api',
      url: info.url,
      token_id: 'unrot@pve!unrot',
      token: { secret: 'UNROT_SANDBOX_API_TOKEN' },
      ca_file: info.caPath,
    });
    expect(Value.Check(HostAccessSchema, yml.host)).toBe(true);
    expect(yml.secrets_files).toEqual([info.secretsEnvFile]);
    expect(statSync(info.secretsEnvFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(info.secretsEnvFile, 'utf8')).toBe(`UNROT_SANDBOX_API_TOKEN=${readFileSync(info.secretFile, 'utf8').trim()}\n`);
  });

  it('answers over TLS verified against the CA, with the recorded fingerprint', async () => {
    const secret = readFileSync(info.secretFile, 'utf8').trim();
    const r = await call('GET', `/nodes/${TEST_NODE}/lxc`, `PVEAPIToken=${info.tokenid}=${secret}`, {
      ca: readFileSync(info.caPath, 'utf8'),
    });
    expect([r.status, r.body]).toEqual([200, '{"data":[]}']);
    expect(r.fingerprint).toBe(info.fingerprint);
  });

  it('keeps a running daemon on a second start (same pid)', async () => {
    const before = apiServerRunning(sb.paths);
    expect(before.running).toBe(true);
    await ensureApiServer(sb.paths, { env: sb.env });
    expect(apiServerRunning(sb.paths).pid).toBe(before.pid);
  });

  it('makes a least-privilege token with `unrot-sandbox api token` that gets 403 for the rest', async () => {
    const out = await runBin(sb, 'unrot-sandbox', ['api', 'token', 'audit@pve!ro', '--privs', 'VM.Audit']);
    expect(out.code).toBe(0);
    const [tokenid, file] = out.stdout.trim().split(' ');
    expect(tokenid).toBe('audit@pve!ro');
    const secret = readFileSync(file!, 'utf8').trim();
    const r = await call('GET', `/nodes/${TEST_NODE}/status`, `PVEAPIToken=audit@pve!ro=${secret}`);
    expect([r.status, r.reason]).toEqual([403, `Permission check failed (/nodes/${TEST_NODE}, Sys.Audit)`]);
  });

  it('stops the daemon and closes the port', async () => {
    expect(await stopApiServer(sb.paths)).toBe(true);
    expect(apiServerRunning(sb.paths).running).toBe(false);
    expect(await portOpen(Number(PORT))).toBe(false);
  });
});
