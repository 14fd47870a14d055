import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Wheel } from './wheel.js';

export interface IndexServer {
  /** PEP 503 simple index root, e.g. http://127.0.0.1:PORT/simple/ */
  url: string;
  /** Adds a release; later requests see it (like a new upload to PyPI). */
  publish(wheel: Wheel): void;
  close(): Promise<void>;
}

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** A PEP 503 "simple" index on 127.0.0.1 with a random port, serving wheels from memory. */
export async function startIndexServer(wheels: readonly Wheel[] = []): Promise<IndexServer> {
  const files = new Map<string, Wheel>();
  const publish = (w: Wheel) => files.set(w.fileName, w);
  for (const w of wheels) publish(w);

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    if (path === '/simple/' || path === '/simple') {
      const names = [...new Set([...files.values()].map((w) => normalize(w.project)))];
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!DOCTYPE html><html><body>${names.map((n) => `<a href="${n}/">${n}</a>`).join('\n')}</body></html>`);
    } else if (project) {
      const releases = [...files.values()].filter((w) => normalize(w.project) === normalize(project));
      if (releases.length === 0) {
        res.writeHead(404).end('not found');
        return;
      }
      const links = releases.map(
        (w) => `<a href="/files/${w.fileName}#sha256=${createHash('sha256').update(w.data).digest('hex')}">${w.fileName}</a>`,
      );
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><html><body>\n${links.join('<br/>\n')}\n</body></html>`);
    } else if (path.startsWith('/files/') && files.has(path.slice('/files/'.length))) {
      const w = files.get(path.slice('/files/'.length)) as Wheel;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': w.data.length }).end(w.data);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    publish,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
