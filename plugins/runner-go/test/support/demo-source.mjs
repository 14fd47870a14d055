// A Go module proxy served as static files (the GOPROXY protocol: /<module>/@v/list, .info, .mod,
// .zip), built from source text by this module so tests and the sandbox need no network. Demo
// modules: example.test/hello v1.0.0, v1.1.0 and v2.0.0 (module path example.test/hello/v2), an
// optional v1.2.0 that does not compile, example.test/stay v1.0.0, v1.1.0 (main package in
// cmd/stay), and example.test/legacy, a module without go.mod, at v2.0.0, v2.1.0 and
// v3.0.0+incompatible. The zips are real zip files in Go's module zip layout (every file under
// "<module>@<version>/"), written with Node's zlib, so `go` verifies and extracts them as it
// would a zip from proxy.golang.org.
//
// Usage: buildDemoSource(dir, { broken: true }) then serveDemoSource(dir, 0) → { url, close }.
// From a shell: node demo-source.mjs DIR [PORT] builds DIR and serves it until killed;
// node demo-source.mjs DIR build-only [--broken] only writes it.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';

const TIME = {
  'v1.0.0': '2026-01-01T00:00:00Z',
  'v1.1.0': '2026-02-01T00:00:00Z',
  'v1.2.0': '2026-03-01T00:00:00Z',
  'v2.0.0': '2026-04-01T00:00:00Z',
};

const main = (greeting) => `package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(${JSON.stringify(greeting)})\n}\n`;

/** What the crashing example.test/hello v1.2.0 prints on stderr before it exits 1. */
export const CRASHING_MESSAGE = 'hello v1.2.0 is broken on purpose';

/**
 * Every demo module version: its module path, version and files (relative to the module root).
 * broken: hello v1.2.0 does not compile; crashing: it compiles and exits 1 (not both).
 */
export function demoModules({ broken = false, crashing = false } = {}) {
  if (broken && crashing) throw new Error('demoModules: broken and crashing both add hello v1.2.0');
  const hello = (version, greeting) => ({
    module: 'example.test/hello',
    version,
    files: { 'go.mod': 'module example.test/hello\n\ngo 1.18\n', 'main.go': main(greeting) },
  });
  const stay = (version) => ({
    module: 'example.test/stay',
    version,
    files: { 'go.mod': 'module example.test/stay\n\ngo 1.18\n', 'cmd/stay/main.go': main(`stay ${version}`) },
  });
  const modules = [
    hello('v1.0.0', 'hello v1.0.0'),
    hello('v1.1.0', 'hello v1.1.0'),
    {
      module: 'example.test/hello/v2',
      version: 'v2.0.0',
      files: { 'go.mod': 'module example.test/hello/v2\n\ngo 1.18\n', 'main.go': main('hello v2.0.0') },
    },
    stay('v1.0.0'),
    stay('v1.1.0'),
  ];
  // A module without go.mod (pre-modules style): its v2+ tags are +incompatible versions on the
  // same path, so a major upgrade needs no /vN path. The proxy serves a synthesized .mod for it.
  const legacy = (version) => ({
    module: 'example.test/legacy',
    version,
    files: { 'main.go': main(`legacy ${version}`) },
    mod: 'module example.test/legacy\n',
  });
  modules.push(legacy('v2.0.0+incompatible'), legacy('v2.1.0+incompatible'), legacy('v3.0.0+incompatible'));
  if (crashing) {
    // A release that builds and installs but fails when run: the sandbox's health check catches it.
    modules.push({
      module: 'example.test/hello',
      version: 'v1.2.0',
      files: {
        'go.mod': 'module example.test/hello\n\ngo 1.18\n',
        'main.go': `package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Fprintln(os.Stderr, ${JSON.stringify(CRASHING_MESSAGE)})\n\tos.Exit(1)\n}\n`,
      },
    });
  }
  if (broken) {
    // A release that does not compile: go install must fail with the compiler's words.
    modules.push({
      module: 'example.test/hello',
      version: 'v1.2.0',
      files: {
        'go.mod': 'module example.test/hello\n\ngo 1.18\n',
        'main.go': 'package main\n\nfunc main() {\n\tundefinedGreeting()\n}\n',
      },
    });
  }
  return modules;
}

/** A zip archive (stored or deflated entries, no extras) of name → content. */
export function zipFiles(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const data = Buffer.from(text, 'utf8');
    const packed = deflateRawSync(data);
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0, 10); // DOS time/date 0
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(0o100644 * 0x10000, 38); // unix mode in the external attributes
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, packed);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** Writes the static proxy tree into dir (replacing it). */
export function buildDemoSource(dir, options = {}) {
  rmSync(dir, { recursive: true, force: true });
  const versions = new Map();
  for (const m of demoModules(options)) {
    const at = join(dir, m.module, '@v');
    mkdirSync(at, { recursive: true });
    writeFileSync(join(at, `${m.version}.info`), `${JSON.stringify({ Version: m.version, Time: TIME[m.version] })}\n`);
    writeFileSync(join(at, `${m.version}.mod`), m.mod ?? m.files['go.mod']);
    const prefix = `${m.module}@${m.version}/`;
    writeFileSync(join(at, `${m.version}.zip`), zipFiles(Object.entries(m.files).map(([name, text]) => [prefix + name, text])));
    versions.set(m.module, [...(versions.get(m.module) ?? []), m.version]);
  }
  for (const [module, list] of versions) writeFileSync(join(dir, module, '@v', 'list'), `${list.join('\n')}\n`);
  return dir;
}

/** Serves dir on 127.0.0.1:port (0: ephemeral) as a GOPROXY; unknown paths are 404 as the protocol wants. */
export function serveDemoSource(dir, port = 0) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dir, path);
    if (!file.startsWith(`${normalize(dir)}/`) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = file.endsWith('.zip') ? 'application/zip' : file.endsWith('.info') ? 'application/json' : 'text/plain';
    res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({ url: `http://127.0.0.1:${bound}`, port: bound, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [dir, port] = process.argv.slice(2);
  if (!dir) throw new Error('usage: node demo-source.mjs DIR [PORT|build-only] [--broken]');
  buildDemoSource(dir, { broken: process.argv.includes('--broken') });
  // "build-only": write the tree for another static server (python3 -m http.server, busybox httpd).
  if (port !== 'build-only') {
    const served = await serveDemoSource(dir, Number(port ?? 0));
    console.log(`GOPROXY=${served.url}`);
  }
}
