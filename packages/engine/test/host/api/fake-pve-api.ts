import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a node certificate it signed (like pve-root-ca.pem / pve-ssl.pem), made with openssl for this test run. */
export interface TestPki {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint of the node certificate, AA:BB:… */
  fingerprint: string;
  /** A second CA that signed nothing here (the "wrong CA" case). */
  otherCaPem: string;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-api-pki-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  for (const ca of ['ca', 'other']) {
    ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=Test ${ca} CA`,
      '-keyout',
      f(`${ca}.key`),
      '-out',
      f(`${ca}.pem`),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  }
  ssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=pve',
    '-keyout',
    f('node.key'),
    '-out',
    f('node.csr'),
  );
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('node.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('node.pem'),
  );
  const certPem = readFileSync(f('node.pem'), 'utf8');
  const pki = {
    caPem: readFileSync(f('ca.pem'), 'utf8'),
    certPem,
    keyPem: readFileSync(f('node.key'), 'utf8'),
    fingerprint: new X509Certificate(certPem).fingerprint256,
    otherCaPem: readFileSync(f('other.pem'), 'utf8'),
  };
  rmSync(dir, { recursive: true, force: true });
  return pki;
}

export interface SeenRequest {
  method: string;
  /** Path below /api2/json, without the query. */
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  authorization: string | undefined;
}

export interface Reply {
  status?: number;
  statusText?: string;
  /** Sent as JSON; a string is sent as is. */
  body?: unknown;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

export type Route = (request: SeenRequest) => Reply | undefined;

export interface FakePveApi {
  url: string;
  port: number;
  requests: SeenRequest[];
  /** TLS connections accepted so far (keep-alive reuses one). */
  connections(): number;
  /** Routes tried in order; the first that returns a Reply answers. Unmatched → 501. */
  routes: Route[];
  close(): Promise<void>;
}

/** `{data}` with HTTP 200, as pveproxy answers a successful call. */
export const ok = (data: unknown, extra: Record<string, unknown> = {}): Reply => ({ body: { data, ...extra } });

/** An error as pve-http-server writes it for the json format: reason phrase and body `{data: null, message}`. */
export const fail = (status: number, message: string, errors?: Record<string, string>): Reply => ({
  status,
  statusText: message,
  body: { data: null, message: `${message}\n`, ...(errors ? { errors } : {}) },
});

/** `METHOD path` matcher; `path` may be a RegExp against the API path. */
export function on(method: string, path: string | RegExp, reply: (request: SeenRequest, match: RegExpExecArray | null) => Reply): Route {
  return (request) => {
    if (request.method !== method) return undefined;
    if (typeof path === 'string') return request.path === path ? reply(request, null) : undefined;
    const m = path.exec(request.path);
    return m ? reply(request, m) : undefined;
  };
}

/** A real HTTPS server on 127.0.0.1 speaking the PVE API's shapes, with a token check. */
export async function startFakePveApi(pki: TestPki, token: string): Promise<FakePveApi> {
  const requests: SeenRequest[] = [];
  const routes: Route[] = [];
  const server: Server = createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname.replace(/^\/api2\/json/, ''),
        query: url.searchParams,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        authorization: req.headers.authorization,
      };
      requests.push(seen);
      const send = (reply: Reply) => {
        if (reply.hang) return;
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? { data: null });
        res.writeHead(reply.status ?? 200, reply.statusText ?? 'OK', { 'content-type': 'application/json;charset=UTF-8' });
        res.end(body);
      };
      // pveproxy: a missing/wrong token is 401 before any handler runs.
      if (seen.authorization !== `PVEAPIToken=${token}`)
        return send({ status: 401, statusText: 'invalid token value!', body: { data: null } });
      for (const route of routes) {
        const reply = route(seen);
        if (reply) return send(reply);
      }
      send(fail(501, `Method '${seen.method} ${seen.path}' not implemented`));
    });
  });
  let connections = 0;
  server.on('secureConnection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A UPID as PVE::Tools::upid_encode writes it. */
export function upid(type: string, id: string, node = 'pve', user = 'unrot@pve!unrot'): string {
  return `UPID:${node}:0000A1B2:00C3D4E5:6750F00D:${type}:${id}:${user}:`;
}
