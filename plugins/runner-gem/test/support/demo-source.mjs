// A local gem source for tests, recordings and (later) the sandbox: demo gems built with the real
// `gem build`, indexed with `gem generate_index`, served as static files on 127.0.0.1.
//   node plugins/runner-gem/test/support/demo-source.mjs build DIR        (needs ruby: gem)
//   node plugins/runner-gem/test/support/demo-source.mjs serve DIR [PORT] (prints the URL)
import { execFileSync } from 'node:child_process';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';

/**
 * The demo gems: unrot-demo 1.0.0 → 1.1.0 (in range) and 2.0.0 (a new major), unrot-pinned (the one
 * a policy excludes), unrot-native 1.1.0 whose extension build aborts (a build failure).
 */
export const DEMO_GEMS = [
  { name: 'unrot-demo', versions: ['1.0.0', '1.1.0', '2.0.0'] },
  { name: 'unrot-pinned', versions: ['1.0.0', '1.1.0'] },
  { name: 'unrot-native', versions: ['1.0.0', '1.1.0'], failingBuild: '1.1.0' },
];

export const NATIVE_BUILD_ERROR = 'unrot-native 1.1.0 fails to build on purpose';

/**
 * The release the sandbox drills publish to prove a rollback: it installs like any other, but
 * requiring it raises, so an app using it fails its health check.
 */
export const BROKEN_RELEASE = { name: 'unrot-demo', version: '1.2.0', message: 'unrot-demo 1.2.0 is broken on purpose' };

function gemspec(name, version, withExtension) {
  const files = [`lib/${name}.rb`, ...(withExtension ? ['ext/extconf.rb'] : [])];
  return [
    'Gem::Specification.new do |s|',
    `  s.name = ${JSON.stringify(name)}`,
    `  s.version = ${JSON.stringify(version)}`,
    '  s.summary = "unrot demo gem"',
    '  s.authors = ["unrot"]',
    '  s.license = "MIT"',
    '  s.homepage = "https://example.invalid/unrot"',
    `  s.files = ${JSON.stringify(files)}`,
    ...(withExtension ? ['  s.extensions = ["ext/extconf.rb"]'] : []),
    'end',
    '',
  ].join('\n');
}

/**
 * Builds every demo gem into DIR/gems and indexes DIR (specs.4.8.gz, latest_specs, quick/). Returns DIR.
 * options.broken: also BROKEN_RELEASE.
 */
export function buildDemoSource(dir, env = process.env, options = {}) {
  const work = mkdtempSync(join(tmpdir(), 'unrot-gem-build-'));
  // gem build writes nothing outside its working directory, but give it a HOME of its own all the same.
  const buildEnv = { ...env, HOME: work };
  try {
    mkdirSync(join(dir, 'gems'), { recursive: true });
    for (const { name, versions, failingBuild } of DEMO_GEMS) {
      const withBroken = options.broken && name === BROKEN_RELEASE.name;
      for (const version of withBroken ? [...versions, BROKEN_RELEASE.version] : versions) {
        const broken = withBroken && version === BROKEN_RELEASE.version;
        const src = join(work, `${name}-${version}`);
        mkdirSync(join(src, 'lib'), { recursive: true });
        const withExtension = failingBuild === version;
        writeFileSync(
          join(src, 'lib', `${name}.rb`),
          broken
            ? `# ${name} ${version}\nraise ${JSON.stringify(BROKEN_RELEASE.message)}\n`
            : `# ${name} ${version}\nmodule UnrotDemo; VERSION = ${JSON.stringify(version)}; end\n`,
        );
        if (withExtension) {
          mkdirSync(join(src, 'ext'));
          writeFileSync(join(src, 'ext', 'extconf.rb'), `abort ${JSON.stringify(NATIVE_BUILD_ERROR)}\n`);
        }
        writeFileSync(join(src, `${name}.gemspec`), gemspec(name, version, withExtension));
        execFileSync('gem', ['build', `${name}.gemspec`], { cwd: src, env: buildEnv, stdio: 'pipe' });
        copyFileSync(join(src, `${name}-${version}.gem`), join(dir, 'gems', `${name}-${version}.gem`));
      }
    }
    execFileSync('gem', ['generate_index', '--directory', dir], { env: buildEnv, stdio: 'pipe' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Serves DIR read-only on 127.0.0.1 (port 0: an ephemeral one). Bundler 2.3 asks for /versions and
 * /api/v1/dependencies first; their 404 sends it to the full index, as with any `gem generate_index` source.
 * Resolves to { url, port, requests, close() }; `requests` lists the paths asked for.
 */
export function serveDemoSource(dir, port = 0) {
  const root = resolve(dir);
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(root, path));
    let size = -1;
    try {
      if (file.startsWith(root + sep)) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0 || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = server.address().port;
      resolvePromise({
        url: `http://127.0.0.1:${bound}/`,
        port: bound,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, dir, port] = process.argv.slice(2);
  if (command === 'build' && dir) console.log(buildDemoSource(resolve(dir)));
  else if (command === 'serve' && dir) serveDemoSource(dir, Number(port ?? 0)).then((s) => console.log(s.url));
  else {
    console.error('usage: demo-source.mjs build DIR | serve DIR [PORT]');
    process.exit(2);
  }
}
