// A local flatpak repository built with the real tools (flatpak build-finish/build-export), for
// runner-flatpak's tests, fixture capture and the sandbox drills. No Flathub: a tiny runtime made
// from busybox-static (org.unrot.Platform, branch 1) and demo apps (org.unrot.Demo, org.unrot.Other)
// whose versions live in their metainfo, as on Flathub. Needs Debian's flatpak, ostree and
// busybox-static. Plain Node: usable from the tests and from a sandbox container alike.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const RUNTIME_ID = 'org.unrot.Platform';
export const RUNTIME_BRANCH = '1';
export const DEMO_APP = 'org.unrot.Demo';
export const OTHER_APP = 'org.unrot.Other';
export const APP_BRANCH = 'stable';

/** The busybox that needs no libraries (busybox-static installs it as /bin/busybox). */
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) ?? '/bin/busybox';

function run(argv, env = process.env) {
  const [file, ...args] = argv;
  return execFileSync(file, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function arch() {
  return run(['flatpak', '--default-arch']).trim();
}

/** The repository directory inside `dir` (served as /repo). */
export function repoPath(dir) {
  return join(dir, 'repo');
}

/**
 * Exports (a new commit of) the runtime org.unrot.Platform: busybox as /usr/bin/sh.
 * @param {string} dir the source directory given to buildDemoSource
 * @param {string} [subject] the commit subject; another subject makes another commit
 * @param {string} [branch] default RUNTIME_BRANCH (1)
 */
export function publishRuntime(dir, subject = 'org.unrot.Platform', branch = RUNTIME_BRANCH) {
  const build = join(dir, 'build', 'runtime');
  rmSync(build, { recursive: true, force: true });
  mkdirSync(join(build, 'usr', 'bin'), { recursive: true });
  mkdirSync(join(build, 'files'), { recursive: true });
  copyFileSync(BUSYBOX, join(build, 'usr', 'bin', 'busybox'));
  symlinkSync('busybox', join(build, 'usr', 'bin', 'sh'));
  const ref = `${RUNTIME_ID}/${arch()}/${branch}`;
  writeFileSync(join(build, 'metadata'), `[Runtime]\nname=${RUNTIME_ID}\nruntime=${ref}\nsdk=${ref}\n`);
  // --runtime exports usr/ as the runtime's files.
  run(['flatpak', 'build-export', '--runtime', `--subject=${subject}`, repoPath(dir), build, branch]);
}

function metainfo(id, version) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>${id}</id>
  <name>${id}</name>
  <summary>unrot demo application</summary>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>MIT</project_license>
  <releases>
    <release version="${version}" date="2026-01-01"/>
  </releases>
</component>
`;
}

function appstream(id, version) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<components version="0.8" origin="flatpak">
  <component type="desktop">
    <id>${id}</id>
    <name>${id}</name>
    <summary>unrot demo application</summary>
    <project_license>MIT</project_license>
    <releases>
      <release version="${version}" timestamp="1767225600"/>
    </releases>
  </component>
</components>
`;
}

/**
 * Builds and exports one version of a demo app on `branch` (default `stable`).
 * @param {string} dir the source directory given to buildDemoSource
 * @param {string} id application ID, e.g. org.unrot.Demo
 * @param {string} version written to the app's metainfo (what `flatpak list --columns=version` shows)
 * @param {{ branch?: string, runtimeBranch?: string, extensionPoint?: string, broken?: boolean }} [opts]
 *   runtimeBranch: a runtime branch the repository does not carry makes `flatpak update` fail
 *   (the resolver failure of the tests); extensionPoint: an `[Extension NAME]` the app declares
 *   (mounted at /app/plugin), which flatpak installs and updates along with the app (see
 *   publishExtension); broken: the release installs, but running it exits 3 (the rollback drills)
 *
 * Afterwards the repository's appstream branch is regenerated (flatpak build-update-repo), so a
 * client that fetches it (`flatpak update --appstream`) sees this version in `remote-ls`.
 */
export function publishDemoApp(dir, id, version, opts = {}) {
  const branch = opts.branch ?? APP_BRANCH;
  const runtimeRef = `${RUNTIME_ID}/${arch()}/${opts.runtimeBranch ?? RUNTIME_BRANCH}`;
  const build = join(dir, 'build', `${id}-${branch}`);
  rmSync(build, { recursive: true, force: true });
  mkdirSync(join(build, 'files', 'bin'), { recursive: true });
  mkdirSync(join(build, 'files', 'share', 'metainfo'), { recursive: true });
  const program = opts.broken
    ? `#!/bin/sh\necho "${id} ${version} is broken on purpose" >&2\nexit 3\n`
    : `#!/bin/sh\necho ${id} ${version}\n`;
  writeFileSync(join(build, 'files', 'bin', 'demo'), program, { mode: 0o755 });
  writeFileSync(join(build, 'files', 'share', 'metainfo', `${id}.metainfo.xml`), metainfo(id, version));
  // What appstream-compose would write: flatpak reads the version of a deployed app from here.
  mkdirSync(join(build, 'files', 'share', 'app-info', 'xmls'), { recursive: true });
  writeFileSync(join(build, 'files', 'share', 'app-info', 'xmls', `${id}.xml.gz`), gzipSync(appstream(id, version)));
  const extension = opts.extensionPoint ? `\n[Extension ${opts.extensionPoint}]\ndirectory=plugin\n` : '';
  if (opts.extensionPoint) mkdirSync(join(build, 'files', 'plugin'), { recursive: true });
  writeFileSync(join(build, 'metadata'), `[Application]\nname=${id}\nruntime=${runtimeRef}\nsdk=${runtimeRef}\n${extension}`);
  run(['flatpak', 'build-finish', build, '--command=demo']);
  run(['flatpak', 'build-export', `--subject=${id} ${version}`, repoPath(dir), build, branch]);
  run(['flatpak', 'build-update-repo', repoPath(dir)]);
}

/**
 * Exports one version of extension `id` (a runtime-kind ref on branch `stable`) of app `appId`,
 * which declares it with publishDemoApp's extensionPoint.
 */
export function publishExtension(dir, id, appId, version) {
  const build = join(dir, 'build', id);
  rmSync(build, { recursive: true, force: true });
  mkdirSync(join(build, 'files'), { recursive: true });
  writeFileSync(join(build, 'files', 'version'), `${version}\n`);
  writeFileSync(join(build, 'metadata'), `[Runtime]\nname=${id}\n\n[ExtensionOf]\nref=app/${appId}/${arch()}/${APP_BRANCH}\n`);
  run(['flatpak', 'build-export', '--runtime', '--files=files', `--subject=${id} ${version}`, repoPath(dir), build, APP_BRANCH]);
}

/**
 * A repository with the runtime and each app at its first version.
 * @param {string} dir created if missing; the repository is dir/repo
 * @param {{ apps?: Record<string, string> }} [opts] app ID → version, default both demo apps at 1.0
 * @returns {{ repo: string }}
 */
export function buildDemoSource(dir, opts = {}) {
  const apps = opts.apps ?? { [DEMO_APP]: '1.0', [OTHER_APP]: '1.0' };
  mkdirSync(dir, { recursive: true });
  run(['ostree', `--repo=${repoPath(dir)}`, 'init', '--mode=archive-z2']);
  publishRuntime(dir);
  for (const [id, version] of Object.entries(apps)) publishDemoApp(dir, id, version);
  return { repo: repoPath(dir) };
}

/** The static file server itself (runs in the child process serveDemoSource starts). */
function startServer(dir, port) {
  const root = normalize(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  server.listen(port, '127.0.0.1', () => {
    // The parent reads this one line to learn the port.
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
}

/**
 * Serves `dir` as static files on 127.0.0.1 from a child process (port 0: an ephemeral one), so
 * callers that block on execFileSync do not starve it. The remote URL is `${url}/repo`. Close it
 * when done: it must not outlive the test.
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export function serveDemoSource(dir, port = 0) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', dir, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`demo source server exited early (${code})`)));
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      if (!buffered.includes('\n')) return;
      const bound = JSON.parse(buffered.split('\n')[0]).port;
      child.removeAllListeners('exit');
      resolve({
        url: `http://127.0.0.1:${bound}`,
        port: bound,
        close: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/**
 * Environment for a throw-away flatpak installation under `root`: the system installation,
 * the user installation, site config and run dir are all redirected (flatpak(1), ENVIRONMENT).
 * @returns {NodeJS.ProcessEnv}
 */
export function flatpakEnv(root) {
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    HOME: join(root, 'home'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    XDG_CACHE_HOME: join(root, 'home', '.cache'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    FLATPAK_SYSTEM_DIR: join(root, 'system'),
    FLATPAK_USER_DIR: join(root, 'user'),
    FLATPAK_CONFIG_DIR: join(root, 'etc'),
    FLATPAK_RUN_DIR: join(root, 'run'),
  };
  for (const d of [env.HOME, env.FLATPAK_CONFIG_DIR]) mkdirSync(d, { recursive: true });
  return env;
}

/**
 * Adds the served repository as remote `name` (no GPG: a local test repo) and installs `refs`.
 * @param {'system'|'user'} installation
 */
export function installFromDemoSource(env, installation, remoteUrl, refs, name = 'demo') {
  const where = `--${installation}`;
  run(['flatpak', where, 'remote-add', '--if-not-exists', '--no-gpg-verify', name, remoteUrl], env);
  run(['flatpak', where, 'install', '-y', '--noninteractive', name, ...refs], env);
}

export { run };

// CLI for the sandbox: `node demo-source.mjs build DIR` | `publish DIR ID VERSION [--broken]` | `serve DIR [PORT]`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, dir, ...rest] = process.argv.slice(2);
  if (command === 'serve') startServer(dir, Number(rest[0] ?? 0));
  else if (command === 'build') buildDemoSource(dir);
  else if (command === 'publish') publishDemoApp(dir, rest[0], rest[1], { broken: rest[2] === '--broken' });
  else {
    process.stderr.write('usage: demo-source.mjs build DIR | publish DIR ID VERSION [--broken] | serve DIR [PORT]\n');
    process.exit(2);
  }
}
