import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Servers close themselves after this long even if a test forgets to. */
const SELF_STOP_MS = 60_000;

export interface TestServer {
  port: number;
  url: string;
  /** Requests seen, with their headers (to check what the probe sent). */
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/**
 * Routes: /ok (200 "status: ok"), /fail (500), /no-content (204), /redirect (302),
 * /slow?ms=N (200 after N ms), /drop (headers, content-length and part of the body, then the socket is destroyed), /drop-chunked (the same
 * without content-length).
 */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/ok':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('status: ok\nversion: 1.2.3\n');
      return;
    case '/fail':
      res.writeHead(500, { 'content-type': 'text/plain' }).end('database unreachable\n');
      return;
    case '/no-content':
      res.writeHead(204).end();
      return;
    case '/redirect':
      res.writeHead(302, { location: '/ok' }).end();
      return;
    case '/slow': {
      const timer = setTimeout(() => res.writeHead(200).end('late but fine\n'), Number(url.searchParams.get('ms') ?? 500));
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case '/drop':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('status: o', () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    case '/drop-chunked':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('status: o', () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    default:
      res.writeHead(404).end();
  }
}

async function start(server: Server, scheme: 'http' | 'https'): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  server.on('request', (req: IncomingMessage) => requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
      if (!server.listening) resolve();
    });
  setTimeout(() => void close(), SELF_STOP_MS).unref();
  return { port: address.port, url: `${scheme}://127.0.0.1:${address.port}`, requests, close };
}

export function startHttpServer(): Promise<TestServer> {
  return start(createHttpServer(handle), 'http');
}

export interface SelfSignedCert {
  dir: string;
  certFile: string;
  key: string;
  cert: string;
  remove(): Promise<void>;
}

const run = promisify(execFile);

/** A self-signed certificate for unrot-probe.test and 127.0.0.1, made by the openssl CLI (argv, no shell). */
export async function makeSelfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'unrot-probe-http-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=unrot-probe.test',
      '-addext',
      'subjectAltName=DNS:unrot-probe.test,IP:127.0.0.1',
    ],
    { timeout: 30_000 },
  );
  return {
    dir,
    certFile,
    key: await readFile(keyFile, 'utf8'),
    cert: await readFile(certFile, 'utf8'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export function startHttpsServer(cert: SelfSignedCert): Promise<TestServer> {
  return start(createHttpsServer({ key: cert.key, cert: cert.cert }, handle), 'https');
}
