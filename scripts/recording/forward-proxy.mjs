// A plain forwarding HTTP proxy on 127.0.0.1 for the runners' record-fixtures scripts (their
// chroots share the host's network), standing in for the site proxy many containers must use.
// It ignores Proxy-Authorization: the credentials a scenario puts in the proxy URL are there to
// show that they reach neither the report nor the fixtures. `forwarded` lists every request, so
// a script can check that the tool really went through it.
import { createServer, request } from 'node:http';

/** @returns {Promise<import('node:http').Server & { forwarded: string[] }>} */
export async function forwardProxy() {
  const server = createServer((req, res) => {
    server.forwarded.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '/');
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !k.startsWith('proxy-')));
    const upstream = request(
      { host: target.hostname, port: target.port || 80, path: `${target.pathname}${target.search}`, method: req.method, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (error) => res.writeHead(502).end(String(error)));
    req.pipe(upstream);
  });
  server.forwarded = [];
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
