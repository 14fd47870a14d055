import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { Type } from '@sinclair/typebox';
import type { UnrotError } from '@unrot/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveApiClient } from '../../../src/host/api/api-client.js';
import type { ApiTls } from '../../../src/host/api/api-tls.js';
import { rejection } from '../process-checks.js';
import { type FakePveApi, fail, makePki, ok, on, startFakePveApi, type TestPki } from './fake-pve-api.js';

const TOKEN_ID = 'unrot@pve!unrot';
const SECRET = '5f0c9a4e-1b2c-4d3e-8f70-0123456789ab';

let pki: TestPki;
let api: FakePveApi;

beforeAll(async () => {
  pki = makePki();
  api = await startFakePveApi(pki, `${TOKEN_ID}=${SECRET}`);
});
afterAll(() => api.close());

const clients: PveApiClient[] = [];
afterAll(() => Promise.all(clients.map((c) => c.close())));

function client(tls: ApiTls = { verify: true, ca: pki.caPem }, secret = SECRET, url = api.url): PveApiClient {
  const c = new PveApiClient({ url, token: { id: TOKEN_ID, secret }, tls, connectTimeoutMs: 2000, requestTimeoutMs: 2000 });
  clients.push(c);
  return c;
}

/** Everything an error could show: message, stack, details, JSON. */
function everything(error: UnrotError): string {
  return [error.message, error.stack ?? '', JSON.stringify(error), JSON.stringify(error.details), String(error.cause ?? '')].join('\n');
}

const Version = Type.Object({ version: Type.String() });

describe('PveApiClient', () => {
  it('sends the token as PVEAPIToken=user@realm!id=secret and unwraps {data}, trusting the pve-root-ca', async () => {
    api.routes.unshift(on('GET', '/version', () => ok({ version: '9.1.1', release: '9.1', repoid: 'abc' })));
    const data = await client().get('/version', Version);
    expect(data.version).toBe('9.1.1');
    expect(api.requests.at(-1)?.authorization).toBe(`PVEAPIToken=${TOKEN_ID}=${SECRET}`);
  });

  it('reuses keep-alive connections for consecutive calls (not one TLS handshake per call)', async () => {
    api.routes.unshift(on('GET', '/version', () => ok({ version: '9.1.1' })));
    const c = client();
    const before = api.connections();
    for (let i = 0; i < 10; i++) await c.get('/version', Version);
    // undici's Pool may open a second socket while the first one is being released; never one per call.
    expect(api.connections() - before).toBeLessThanOrEqual(2);
  });

  it('pins the node certificate by its SHA-256 fingerprint (no CA needed), lower case or without colons too', async () => {
    api.routes.unshift(on('GET', '/version', () => ok({ version: '9.1.1' })));
    expect((await client({ verify: true, fingerprint: pki.fingerprint }).get('/version', Version)).version).toBe('9.1.1');
    const bare = pki.fingerprint.replace(/:/g, '').toLowerCase();
    expect((await client({ verify: true, fingerprint: bare }).get('/version', Version)).version).toBe('9.1.1');
  });

  it('401: E_API_AUTH, and the wrong secret is in no part of the error', async () => {
    const wrong = '11111111-2222-3333-4444-555555555555';
    const error = await rejection(client(undefined, wrong).get('/version', Version));
    expect(error.code).toBe('E_API_AUTH');
    expect(error.message).toContain('401');
    expect(error.message).toContain('GET /version');
    expect(everything(error)).not.toContain(wrong);
    expect(everything(error)).not.toContain(SECRET);
  });

  it("403: E_API_FORBIDDEN naming the privilege and path from Proxmox's message", async () => {
    api.routes.unshift(on('POST', '/nodes/pve/lxc/101/snapshot', () => fail(403, 'Permission check failed (/vms/101, VM.Snapshot)')));
    const error = await rejection(client().post('/nodes/pve/lxc/101/snapshot', Type.String(), { snapname: 'x1' }));
    expect(error.code).toBe('E_API_FORBIDDEN');
    expect(error.message).toContain('VM.Snapshot');
    expect(error.message).toContain('/vms/101');
    expect(error.details).toMatchObject({ privilege: 'VM.Snapshot', aclPath: '/vms/101', status: 403 });
    expect(everything(error)).not.toContain(SECRET);
  });

  it('403 from a pve-http-server that puts the message only in the reason phrase still names the privilege', async () => {
    api.routes.unshift(
      on('GET', '/nodes/pve/status', () => ({
        status: 403,
        statusText: 'Permission check failed (/nodes/pve, Sys.Audit)',
        body: { data: null },
      })),
    );
    const error = await rejection(client().get('/nodes/pve/status', Type.Unknown()));
    expect(error.code).toBe('E_API_FORBIDDEN');
    expect(error.details['privilege']).toBe('Sys.Audit');
  });

  it('500 with parameter errors: E_API_RESPONSE with Proxmox message and the per-parameter errors', async () => {
    api.routes.unshift(
      on('POST', '/nodes/pve/lxc/101/snapshot', () =>
        fail(400, 'Parameter verification failed.', { snapname: "invalid format - invalid configuration ID '1x'" }),
      ),
    );
    const error = await rejection(client().post('/nodes/pve/lxc/101/snapshot', Type.String(), { snapname: '1x' }));
    expect(error.code).toBe('E_API_RESPONSE');
    expect(error.message).toContain("snapname: invalid format - invalid configuration ID '1x'");
  });

  it('an answer of the wrong shape: E_API_RESPONSE naming the field', async () => {
    api.routes.unshift(on('GET', '/version', () => ok({ version: 9 })));
    const error = await rejection(client().get('/version', Version));
    expect(error.code).toBe('E_API_RESPONSE');
    expect(error.message).toContain('/version');
    expect(error.details['field']).toBe('/version');
    api.routes.unshift(on('GET', '/version', () => ({ body: '<html>proxy error</html>' })));
    const notJson = await rejection(client().get('/version', Version));
    expect(notJson.code).toBe('E_API_RESPONSE');
    expect(notJson.message).toContain('not a {data: …} JSON object');
  });

  it('a server echoing the Authorization header into its answer: the secret is scrubbed from the error', async () => {
    api.routes.unshift(on('GET', '/echo', (r) => fail(500, `bad header ${r.authorization}`)));
    const error = await rejection(client().get('/echo', Type.Unknown()));
    expect(error.code).toBe('E_API_RESPONSE');
    expect(error.message).toContain('bad header PVEAPIToken=unrot@pve!unrot=***');
    expect(everything(error)).not.toContain(SECRET);
  });

  it('connection refused: E_API_UNREACHABLE with ECONNREFUSED', async () => {
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await rejection(client(undefined, SECRET, `https://127.0.0.1:${port}`).get('/version', Version));
    expect(error.code).toBe('E_API_UNREACHABLE');
    expect(error.message).toContain('ECONNREFUSED');
    expect(everything(error)).not.toContain(SECRET);
  });

  it('no answer within the request time limit: E_API_UNREACHABLE', async () => {
    api.routes.unshift(on('GET', '/slow', () => ({ hang: true })));
    const c = new PveApiClient({
      url: api.url,
      token: { id: TOKEN_ID, secret: SECRET },
      tls: { verify: true, ca: pki.caPem },
      requestTimeoutMs: 300,
    });
    clients.push(c);
    const error = await rejection(c.get('/slow', Type.Unknown()));
    expect(error.code).toBe('E_API_UNREACHABLE');
    expect(error.message).toContain('UND_ERR_HEADERS_TIMEOUT');
  });

  it('a certificate from another CA: E_API_TLS, and the request (with the token) never reaches the server', async () => {
    const before = api.requests.length;
    const error = await rejection(client({ verify: true, ca: pki.otherCaPem }).get('/version', Version));
    expect(error.code).toBe('E_API_TLS');
    expect(error.message).toContain('host.ca_file');
    const systemOnly = await rejection(client({ verify: true }).get('/version', Version));
    expect(systemOnly.code).toBe('E_API_TLS');
    expect(api.requests.length).toBe(before);
  });

  it('a pinned fingerprint that does not match: E_API_TLS naming both, and nothing is sent', async () => {
    const before = api.requests.length;
    const wrong = pki.fingerprint.replace(/^../, pki.fingerprint.startsWith('00') ? '11' : '00');
    const error = await rejection(client({ verify: true, fingerprint: wrong }).get('/version', Version));
    expect(error.code).toBe('E_API_TLS');
    expect(error.message).toContain(pki.fingerprint);
    expect(error.message).toContain(wrong);
    expect(api.requests.length).toBe(before);
    expect(everything(error)).not.toContain(SECRET);
  });

  it('verify: false accepts the unknown certificate (lab only)', async () => {
    api.routes.unshift(on('GET', '/version', () => ok({ version: '9.1.1' })));
    expect((await client({ verify: false }).get('/version', Version)).version).toBe('9.1.1');
  });

  it('refuses an http:// URL, credentials in the URL and a malformed token id (E_CONFIG), without echoing the secret', () => {
    const make =
      (url: string, id = TOKEN_ID) =>
      () =>
        new PveApiClient({ url, token: { id, secret: SECRET }, tls: { verify: true } });
    expect(make('http://127.0.0.1:8006')).toThrow(/https/);
    expect(make('https://root:pw@127.0.0.1:8006')).toThrow(/https/);
    expect(make('https://127.0.0.1:8006', 'root')).toThrow(/user@realm!tokenid/);
    try {
      make('https://127.0.0.1:8006', 'root')();
    } catch (error) {
      expect(everything(error as UnrotError)).not.toContain(SECRET);
    }
  });

  it('an aborted request: E_EXEC_ABORTED', async () => {
    api.routes.unshift(on('GET', '/slow', () => ({ hang: true })));
    const controller = new AbortController();
    const pending = client().get('/slow', Type.Unknown(), undefined, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect((await rejection(pending)).code).toBe('E_EXEC_ABORTED');
  });
});
