// A static Composer repository for tests, fixture recording and the sandbox: `packages.json`
// (Composer's inline "packages" format) plus one dist zip per version, served over plain HTTP.
// No dependency beyond Node: the zips are written here (stored, not deflated; fixed timestamps,
// so the same input gives the same bytes and the same sha1 in packages.json).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';

/**
 * The demo packages. acme/demo-lib has a minor (1.1.0) and a major (2.0.0); acme/other-lib is
 * the one a test excludes; acme/legacy-user 1.0.0 requires acme/demo-lib ^1.0, so moving demo-lib
 * to 2.0.0 while it is installed is a resolver conflict (its 1.1.0 still requires ^1.0).
 */
export const DEMO_PACKAGES = [
  { name: 'acme/demo-lib', versions: ['1.0.0', '1.1.0', '2.0.0'] },
  { name: 'acme/other-lib', versions: ['1.0.0', '1.1.0'] },
  { name: 'acme/legacy-user', versions: ['1.0.0', '1.1.0'], require: { 'acme/demo-lib': '^1.0' } },
  // A real Composer plugin: after every `composer update` it writes `plugin-ran` into the project,
  // so a test can see whether plugins were loaded.
  {
    name: 'acme/marker-plugin',
    versions: ['1.0.0'],
    type: 'composer-plugin',
    require: { 'composer-plugin-api': '^2.0' },
    extra: { class: 'Acme\\MarkerPlugin' },
    source: `<?php
namespace Acme;

use Composer\\Composer;
use Composer\\EventDispatcher\\EventSubscriberInterface;
use Composer\\IO\\IOInterface;
use Composer\\Plugin\\PluginInterface;
use Composer\\Script\\ScriptEvents;

final class MarkerPlugin implements PluginInterface, EventSubscriberInterface
{
    public function activate(Composer $composer, IOInterface $io): void {}
    public function deactivate(Composer $composer, IOInterface $io): void {}
    public function uninstall(Composer $composer, IOInterface $io): void {}
    public static function getSubscribedEvents(): array
    {
        return [ScriptEvents::POST_UPDATE_CMD => 'mark'];
    }
    public function mark(): void
    {
        file_put_contents(getcwd() . '/plugin-ran', 'yes');
    }
}
`,
  },
];

/** A zip archive of `files` (path → text), entries stored without compression. */
export function zipFiles(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [path, text] of Object.entries(files)) {
    const name = Buffer.from(path);
    const data = Buffer.from(text);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10); // time 00:00
    local.writeUInt16LE(0x5021, 12); // date 2020-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x5021, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

function className(name) {
  return name
    .split('/')[1]
    .split('-')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

/**
 * The release the sandbox drills publish to prove a rollback: it installs like any other, but
 * loading its class throws, so an app using it fails its health check.
 */
export const BROKEN_RELEASE = { name: 'acme/demo-lib', version: '1.2.0', message: 'acme/demo-lib 1.2.0 is broken on purpose' };

/** Where the sandbox serves the repository when no URL is given (inside the container). */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8765';

/**
 * Writes `dir/packages.json` and `dir/dist/<vendor>-<name>-<version>.zip` for DEMO_PACKAGES.
 * @param {string} dir output directory
 * @param {string} [baseUrl] where the directory will be served (dist URLs are absolute)
 * @param {{ broken?: boolean }} [options] broken: also BROKEN_RELEASE
 */
export function buildDemoSource(dir, baseUrl = DEFAULT_BASE_URL, options = {}) {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const packages = {};
  for (const pkg of DEMO_PACKAGES) {
    packages[pkg.name] = {};
    const withBroken = options.broken && pkg.name === BROKEN_RELEASE.name;
    for (const version of withBroken ? [...pkg.versions, BROKEN_RELEASE.version] : pkg.versions) {
      const cls = className(pkg.name);
      const broken = withBroken && version === BROKEN_RELEASE.version;
      const meta = {
        name: pkg.name,
        version,
        type: pkg.type ?? 'library',
        license: 'MIT',
        require: pkg.require ?? {},
        autoload: { 'psr-4': { 'Acme\\': 'src/' } },
        ...(pkg.extra ? { extra: pkg.extra } : {}),
      };
      const zip = zipFiles({
        'composer.json': `${JSON.stringify(meta, null, 2)}\n`,
        [`src/${cls}.php`]: broken
          ? `<?php\nnamespace Acme;\n\nthrow new \\RuntimeException(${JSON.stringify(BROKEN_RELEASE.message)});\n`
          : (pkg.source ?? `<?php\nnamespace Acme;\n\nfinal class ${cls}\n{\n    public const VERSION = '${version}';\n}\n`),
      });
      const file = `${pkg.name.replace('/', '-')}-${version}.zip`;
      writeFileSync(join(dir, 'dist', file), zip);
      packages[pkg.name][version] = {
        ...meta,
        dist: { type: 'zip', url: `${baseUrl}/dist/${file}`, shasum: createHash('sha1').update(zip).digest('hex') },
      };
    }
  }
  writeFileSync(join(dir, 'packages.json'), `${JSON.stringify({ packages }, null, 2)}\n`);
}

/**
 * Serves `dir` read-only on 127.0.0.1 (port 0 = an ephemeral one). Also counts requests, so a
 * test can prove a command did (or did not) reach the repository. With `auth` ('user:password')
 * every request without those HTTP Basic credentials gets 401, like a private repository.
 * @param {{ auth?: string }} [options]
 * @returns {Promise<{ url: string, port: number, requests: string[], close: () => Promise<void> }>}
 */
export function serveDemoSource(dir, port = 0, options = {}) {
  const requests = [];
  const expected = options.auth && `Basic ${Buffer.from(options.auth).toString('base64')}`;
  const server = createServer((req, res) => {
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="demo"' }).end('authentication required\n');
      return;
    }
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    requests.push(path);
    const file = join(dir, path);
    if (path.includes('..') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/zip' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = server.address().port;
      resolve({
        url: `http://127.0.0.1:${bound}`,
        port: bound,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

// CLI, for the sandbox: `node demo-source.mjs build DIR [BASE_URL]` writes the repository;
// `node demo-source.mjs serve DIR [PORT]` serves it until killed. Inside a container without
// Node, `php -S 127.0.0.1:8765 -t DIR` serves the same static files.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, dir, arg] = process.argv.slice(2);
  if (command === 'build' && dir) buildDemoSource(dir, arg);
  else if (command === 'serve' && dir) serveDemoSource(dir, Number(arg ?? 8765)).then((s) => console.log(`serving ${dir} on ${s.url}`));
  else {
    console.error('usage: demo-source.mjs build DIR [BASE_URL] | serve DIR [PORT]');
    process.exitCode = 2;
  }
}
