import { createServer, type Server } from 'node:net';
import type { ProbeScenario } from '@unrot/sdk/testing';

/** A TCP server on 127.0.0.1 that accepts and closes; it closes itself at teardown. */
export async function listenOnLoopback(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A port that was just listened on and closed again: nothing accepts there. */
export async function closedPort(): Promise<number> {
  const { server, port } = await listenOnLoopback();
  await close(server);
  return port;
}

export const scenarios: ProbeScenario[] = [
  {
    name: 'an open port on 127.0.0.1',
    async setup() {
      const { server, port } = await listenOnLoopback();
      return { options: { host: '127.0.0.1', port }, teardown: () => close(server) };
    },
    expect: { ok: true, detailMatches: /^connected to 127\.0\.0\.1:\d+ in \d+ ms$/ },
  },
  {
    name: "the container's address when no host is given",
    async setup() {
      const { server, port } = await listenOnLoopback();
      return { options: { port }, address: '127.0.0.1', teardown: () => close(server) };
    },
    expect: { ok: true, detailMatches: /^connected to 127\.0\.0\.1:/ },
  },
  {
    name: 'a closed port',
    async setup() {
      return { options: { port: await closedPort(), timeout_ms: 2_000 }, teardown: async () => {} };
    },
    expect: { ok: false, detailMatches: /connection refused \(ECONNREFUSED\)/ },
  },
];
