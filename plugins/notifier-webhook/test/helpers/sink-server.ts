import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  bytes: number;
  at: number;
}

/** What the server does with a request: answer, never answer, or drop the connection. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string; stallBody?: boolean } | 'hang' | 'reset';

export interface SinkServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: ReceivedRequest[];
  /** Requests answered with a 2xx. */
  accepted(): ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 (random port) that records every request and answers with
 * `handle`. It stops itself after `lifetimeMs` even if a test forgets to close it.
 */
export async function startSinkServer(
  handle: (req: ReceivedRequest, index: number) => Reply,
  { lifetimeMs = 60_000 }: { lifetimeMs?: number } = {},
): Promise<SinkServer> {
  const requests: ReceivedRequest[] = [];
  const ok = new Set<ReceivedRequest>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        text: body.toString('utf8'),
        bytes: body.length,
        at: Date.now(),
      };
      requests.push(received);
      const reply = handle(received, requests.length - 1);
      if (reply === 'hang') return;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      if (reply.status >= 200 && reply.status < 300) ok.add(received);
      res.writeHead(reply.status, reply.headers ?? {});
      // Headers and the start of a body, then nothing: a stalled upstream behind a proxy.
      if (reply.stallBody) res.write(reply.body ?? 'partial');
      else res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      clearTimeout(selfStop);
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };
  const selfStop = setTimeout(() => void close(), lifetimeMs);
  selfStop.unref();
  return { origin: `http://127.0.0.1:${port}`, requests, accepted: () => requests.filter((r) => ok.has(r)), close };
}
