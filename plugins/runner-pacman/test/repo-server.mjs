// A static HTTP server on 127.0.0.1 for the pacman repositories of the tests, run as its own
// process (`node repo-server.mjs DIR`): the tests call pacman synchronously at times, which would
// block a server living in their own event loop. Prints the port it listens on, then serves.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

const root = process.argv[2];
if (!root) throw new Error('usage: node repo-server.mjs DIR');
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
  if (path.includes('..')) return res.writeHead(400).end();
  const file = join(root, path);
  let size;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
