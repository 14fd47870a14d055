#!/usr/bin/env node
// Records the captures of test/fixtures/ with a REAL apk: the binary given as the first argument
// (apk-tools 2.x built from its public source; nothing of it is committed), copied into a root made
// from the cached Debian 12 sandbox template and entered with `chroot ROOT apk …`, as the engine
// enters a container with `pct exec`. The repository is real too: apk v2 packages built by
// scripts/apk-repo-tools.py, indexed by that apk's `apk index`, the index signed with a key the
// root trusts (so no --allow-untrusted anywhere the runner runs), served over HTTP on 127.0.0.1.
// Expectations below are written by hand from apk's own output (the change list of
// `apk upgrade --simulate`, the world file), not from the runner; the recorder stops when the
// runner disagrees. Needs root, python3, openssl.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-apk`):
//   node plugins/runner-apk/scripts/record-fixtures.mjs /var/tmp/apk-tools-src/src/apk 'apk-tools v2.14.10 (commit …), make LUA=no'
// A third argument writes the fixtures with that suffix (e.g. `apk3` → contract-scenarios.apk3.json).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalExec, createRecorder, createRecordingExec } from '@unrot/sdk/testing';
import { forwardProxy } from '../../../scripts/recording/forward-proxy.mjs';
import { runner } from '../dist/index.js';

const [apkBinary, build, suffix] = process.argv.slice(2);
if (!apkBinary || !build)
  throw new Error('usage: record-fixtures.mjs /path/to/apk "apk-tools TAG (commit SHA), build flags" [fixture-suffix]');
/** `contract-scenarios.json`, or with a suffix (another apk-tools major) `contract-scenarios.SUFFIX.json`. */
const fixture = (name) => new URL(`${name}${suffix ? `.${suffix}` : ''}.json`, FIXTURES);
const TOOLS = fileURLToPath(new URL('./apk-repo-tools.py', import.meta.url));
const FIXTURES = new URL('../test/fixtures/', import.meta.url);
const TEMPLATE = '/var/cache/unrot-sandbox/template-bookworm';
const WORK = `/var/tmp/unrot-apk-record${suffix ? `-${suffix}` : ''}`;
const KEYNAME = 'unrot-recorder.rsa.pub';
const host = `Debian ${readFileSync('/etc/debian_version', 'utf8').trim()} host (root)`;

rmSync(WORK, { recursive: true, force: true });
mkdirSync(join(WORK, 'repo/noarch'), { recursive: true });
mkdirSync(join(WORK, 'repo/x86_64'), { recursive: true });
mkdirSync(join(WORK, 'corrupt/x86_64'), { recursive: true });
const run = (file, args, opts = {}) => execFileSync(file, args, { encoding: 'utf8', ...opts });
run('openssl', ['genrsa', '-out', join(WORK, 'key.pem'), '2048'], { stdio: 'ignore' });
run('openssl', ['rsa', '-in', join(WORK, 'key.pem'), '-pubout', '-out', join(WORK, KEYNAME)], { stdio: 'ignore' });

// --- the repository ------------------------------------------------------------------------
const apkLibDir = dirname(apkBinary);
const hostApk = (args, cwd) => run(apkBinary, args, { cwd, env: { ...process.env, LD_LIBRARY_PATH: apkLibDir } });
const pkg = (name, version, ...extra) => run('python3', [TOOLS, 'package', join(WORK, 'repo/noarch'), name, version, ...extra]);
/** apk index of every package built so far (apk 2.14 fetches `$repo/$pkgarch/$file`, so noarch ones live in noarch/), then signed. */
function reindex() {
  const dir = join(WORK, 'repo/x86_64');
  rmSync(join(dir, 'APKINDEX.tar.gz'), { force: true });
  const files = readdirSync(join(WORK, 'repo/noarch')).map((f) => `../noarch/${f}`);
  hostApk(['index', '-q', '--allow-untrusted', '-o', 'APKINDEX.tar.gz', ...files], dir);
  run('python3', [TOOLS, 'sign-index', join(dir, 'APKINDEX.tar.gz'), join(WORK, 'key.pem'), KEYNAME]);
}
// Corrupt metadata: bytes that are not a gzip stream where the index should be.
writeFileSync(join(WORK, 'corrupt/x86_64/APKINDEX.tar.gz'), 'this is not a gzip stream\n');

// The repository server runs in a child process: setup commands below block this one.
const SERVE = `const http=require('http'),fs=require('fs'),path=require('path');const root=process.argv[1];
http.createServer((q,r)=>{const f=path.join(root,decodeURIComponent(new URL(q.url,'http://x').pathname));
if(!f.startsWith(root+'/')||!fs.existsSync(f)||!fs.statSync(f).isFile()){r.writeHead(404).end('not found\\n');return}
r.writeHead(200,{'content-type':'application/octet-stream'}).end(fs.readFileSync(f))}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`;
const serverProcess = spawn(process.execPath, ['-e', SERVE, WORK], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = Number(await new Promise((resolve) => serverProcess.stdout.once('data', (d) => resolve(String(d).trim()))));
const REPO = `http://127.0.0.1:${port}/repo`;

// --- roots -----------------------------------------------------------------------------------
let serial = 0;
/** A copy of the Debian template with the apk binary (and its libapk) installed, trusting the key. */
function freshRoot(repositories = `${REPO}\n`) {
  const root = join(WORK, `root-${++serial}`);
  run('cp', ['-a', '--reflink=auto', TEMPLATE, root]);
  copyFileSync(apkBinary, join(root, 'usr/local/bin/apk'));
  run('chmod', ['755', join(root, 'usr/local/bin/apk')]);
  for (const f of readdirSync(apkLibDir).filter((n) => /^libapk\.so\.[0-9.]+$/.test(n)))
    copyFileSync(join(apkLibDir, f), join(root, 'usr/local/lib', f));
  run('chroot', [root, 'ldconfig']);
  mkdirSync(join(root, 'etc/apk/keys'), { recursive: true });
  copyFileSync(join(WORK, KEYNAME), join(root, 'etc/apk/keys', KEYNAME));
  writeFileSync(join(root, 'etc/apk/repositories'), repositories);
  return root;
}
const inRoot = (root, env) => ({
  exec: createLocalExec({ prefix: ['chroot', root], ...(env ? { env } : {}) }),
  where: `\`chroot ${root}\` on a ${host}: a copy of the unrot sandbox's Debian 12 template with ${build} installed as /usr/local/bin/apk; repository ${REPO} (apk v2 packages built by plugins/runner-apk/scripts/apk-repo-tools.py, indexed with that apk's \`apk index\`, index signed with a key in /etc/apk/keys) served by the script on 127.0.0.1`,
  toolVersion: ['apk', '--version'],
});
const removeRoot = (root) => rmSync(root, { recursive: true, force: true });
const setup = (root, argv) => run('chroot', [root, 'apk', ...argv]);

// Version 1.0 of everything, then the 1.1 release: unrot-sandbox-demo 1.1 needs a new package
// (unrot-sandbox-lib), unrot-sandbox-app 1.1 needs unrot-sandbox-extra >= 1.1.
for (const n of [
  'unrot-sandbox-demo',
  'unrot-sandbox-extra',
  'unrot-sandbox-app',
  'unrot-sandbox-pinned',
  'unrot-sandbox-capped',
  'unrot-sandbox-broken',
])
  pkg(n, '1.0-r0');
reindex();
const WORLD_ADD = [
  'unrot-sandbox-demo',
  'unrot-sandbox-extra',
  'unrot-sandbox-app',
  'unrot-sandbox-pinned=1.0-r0',
  'unrot-sandbox-capped<1.1',
];
const base = freshRoot();
setup(base, ['add', '--initdb', '--no-interactive', ...WORLD_ADD]);
pkg('unrot-sandbox-demo', '1.1-r0', '--depend', 'unrot-sandbox-lib');
pkg('unrot-sandbox-lib', '1.0-r0');
pkg('unrot-sandbox-extra', '1.1-r0');
pkg('unrot-sandbox-app', '1.1-r0', '--depend', 'unrot-sandbox-extra>=1.1-r0');
pkg('unrot-sandbox-pinned', '1.1-r0');
pkg('unrot-sandbox-capped', '1.1-r0');
pkg(
  'unrot-sandbox-broken',
  '1.1-r0',
  '--script',
  '.post-upgrade=#!/bin/sh\necho "unrot-sandbox-broken: post-upgrade refuses on purpose" >&2\nexit 1\n',
);
reindex();
/** A copy of the root with 1.0 installed (world: demo, extra, app, pinned=1.0-r0, capped<1.1). */
function installedRoot() {
  const root = join(WORK, `root-${++serial}`);
  run('cp', ['-a', '--reflink=auto', base, root]);
  return root;
}

const recorder = createRecorder(runner);
const capture = (name, how, root, opts, expect, env) => recorder.record({ name, how, ...opts, expect }, inRoot(root, env));
const HOW =
  'Root with unrot-sandbox-{demo,extra,app,pinned,capped} 1.0-r0 installed (`apk add --initdb`; world: demo, extra, app, pinned=1.0-r0, capped<1.1), then the repository gained 1.1-r0 of each (demo 1.1 depends on the new unrot-sandbox-lib, app 1.1 on unrot-sandbox-extra>=1.1-r0).';
const PINS = ['unrot-sandbox-capped', 'unrot-sandbox-pinned'];
const origin = `${REPO} (/etc/apk/repositories)`;

const a = installedRoot();
await capture(
  'updates pending, world pins held, applied',
  `${HOW} \`apk upgrade --simulate\` listed 4 changes (Installing unrot-sandbox-lib, Upgrading demo, extra, app); \`apk version -l '<'\` also listed pinned and capped, which the world holds. sources() ran after detect.`,
  a,
  {},
  { applicable: true, updates: 4, withheld: PINS, sources: [{ host: '127.0.0.1', port, origin }] },
);
await capture(
  'nothing pending after the upgrade (pins still held)',
  'Same root right after the previous scenario applied its plan: `apk upgrade --simulate` listed no change; pinned and capped still have 1.1-r0 available.',
  a,
  {},
  { applicable: true, updates: 0, withheld: PINS },
);
removeRoot(a);

const b = installedRoot();
await capture(
  'exclusion unrot-sandbox-extra withholds its dependant unrot-sandbox-app',
  `${HOW} Exclusions [unrot-sandbox-extra]: \`apk upgrade --simulate unrot-sandbox-demo unrot-sandbox-app\` also upgraded unrot-sandbox-extra (app 1.1 needs it), so app is withheld and demo (with the new lib) upgraded alone.`,
  b,
  { exclusions: ['unrot-sandbox-extra'] },
  { applicable: true, updates: 2, withheld: [...PINS, 'unrot-sandbox-app', 'unrot-sandbox-extra'] },
);
removeRoot(b);

const c = installedRoot();
await capture(
  'glob exclusion unrot-sandbox-d* withholds unrot-sandbox-demo',
  `${HOW} Exclusions [unrot-sandbox-d*]: extra and app upgraded by name; demo (and so the new lib) stays.`,
  c,
  { exclusions: ['unrot-sandbox-d*'] },
  { applicable: true, updates: 2, withheld: [...PINS, 'unrot-sandbox-demo'] },
);
removeRoot(c);

const d = freshRoot();
rmSync(join(d, 'usr/local/bin/apk'));
await capture(
  'apk absent',
  'A root without the apk binary: exit 127 and the message come from chroot (pct exec gives 127 from lxc-attach).',
  d,
  {},
  { applicable: false },
);
removeRoot(d);

const e = installedRoot();
writeFileSync(join(e, 'etc/apk/repositories'), 'http://127.0.0.1:9/repo\n');
await capture(
  'failing check: repository unreachable',
  `${HOW} /etc/apk/repositories then named http://127.0.0.1:9/repo, where nothing listens: \`apk update\` exits non-zero with "could not connect to server".`,
  e,
  {},
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
);
removeRoot(e);

const f = installedRoot();
writeFileSync(join(f, 'etc/apk/repositories'), `http://127.0.0.1:${port}/corrupt\n`);
await capture(
  'failing check: corrupt index',
  `${HOW} /etc/apk/repositories then named a repository whose x86_64/APKINDEX.tar.gz is the text "this is not a gzip stream".`,
  f,
  {},
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
);
removeRoot(f);

/** Another apk: the flock(2) apk takes on /lib/apk/db/lock, held by python3 for `seconds`. */
function holdLock(root, seconds) {
  const code = `import fcntl,sys,time\nf=open(sys.argv[1],'a')\nfcntl.flock(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\ntime.sleep(float(sys.argv[2]))`;
  const child = spawn('python3', ['-c', code, join(root, 'usr/lib/apk/db/lock'), String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => child.stdout.once('data', () => resolve(child)));
}
const g = installedRoot();
const holder = await holdLock(g, 60);
await capture(
  'failing check: another apk holds the database lock',
  `${HOW} Another process held flock(2) on /lib/apk/db/lock during check; lock_timeout_s 1, so \`apk update --wait 1\` printed "Waiting for repository lock" and gave up.`,
  g,
  { options: { lock_timeout_s: 1 } },
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
);
holder.kill();
removeRoot(g);

const h = installedRoot();
const shortHolder = await holdLock(h, 3);
await capture(
  'check waits for the database lock, then applies',
  `${HOW} Another process held flock(2) on /lib/apk/db/lock for 3 s when check started; lock_timeout_s 60: \`apk update --wait 60\` printed "Waiting for repository lock" and went on.`,
  h,
  { options: { lock_timeout_s: 60 } },
  { applicable: true, updates: 4, withheld: PINS },
);
shortHolder.kill();
removeRoot(h);

const proxy = await forwardProxy();
const proxyPort = proxy.address().port;
const p = installedRoot();
const proxyEnv = { ...process.env, http_proxy: `http://unrot:s3cret@127.0.0.1:${proxyPort}/` };
await capture(
  'pre-flight: http_proxy with credentials (redacted), updates through it, applied',
  `${HOW} The commands ran with http_proxy=http://unrot:s3cret@127.0.0.1:${proxyPort}/ in their environment (as \`pct exec\` passes the environment it is given), a forwarding proxy the script ran on the host (it ignores the credentials); the script checks that apk's index and package downloads went through it. sources() names the proxy, its password shown as ***.`,
  p,
  {},
  {
    applicable: true,
    updates: 4,
    withheld: PINS,
    sources: [{ host: '127.0.0.1', port: proxyPort, origin: `http_proxy=http://***@127.0.0.1:${proxyPort}/ (environment), for ${origin}` }],
  },
  proxyEnv,
);
proxy.close();
removeRoot(p);
if (!proxy.forwarded.some((r) => r.endsWith('/repo/x86_64/APKINDEX.tar.gz')))
  throw new Error(`apk did not go through the proxy: ${JSON.stringify(proxy.forwarded)}`);
if (!proxy.forwarded.some((r) => r.endsWith('.apk'))) throw new Error('apply did not download through the proxy');

recorder.write(fixture('contract-scenarios'));

// --- a failing post-upgrade script: the recorder has no apply-failure scenario, so the runner's
// lifecycle runs here on a recording exec and the outputs are kept for test/apply-failure.test.ts.
const provenance = (root) => ({
  recordedAt: new Date().toISOString(),
  recorder: ['node', 'plugins/runner-apk/scripts/record-fixtures.mjs', apkBinary, build, ...(suffix ? [suffix] : [])],
  where: inRoot(root).where,
  tool: { argv: ['apk', '--version'], version: run('chroot', [root, 'apk', '--version']).split('\n')[0] },
});
const k = installedRoot();
setup(k, ['add', '--no-interactive', 'unrot-sandbox-broken=1.0-r0']);
// The pin was only for installing 1.0; the world entry is set back to the plain name.
setup(k, ['add', '--no-interactive', 'unrot-sandbox-broken']);
const rexec = createRecordingExec(createLocalExec({ prefix: ['chroot', k] }));
const ctx = {
  exec: rexec,
  log: { info() {}, warn() {}, error() {}, debug() {} },
  signal: new AbortController().signal,
  options: { lock_timeout_s: 120 },
  container: { vmid: 101, name: 'apk-record' },
  exclusions: ['unrot-sandbox-demo', 'unrot-sandbox-extra', 'unrot-sandbox-app'],
};
rexec.phase = 'check';
const checked = await runner.check(ctx);
const plan = await runner.plan(ctx, checked);
rexec.phase = 'apply';
let applyError;
try {
  await runner.apply(ctx, plan);
} catch (error) {
  applyError = { code: error.code, message: error.message };
}
if (!applyError) throw new Error('the failing post-upgrade script did not fail apply');
writeFileSync(
  fixture('apply-failure'),
  `${JSON.stringify(
    {
      name: 'apply: post-upgrade script of unrot-sandbox-broken 1.1-r0 exits 1',
      source: `${HOW} Plus unrot-sandbox-broken 1.0-r0 installed; its 1.1-r0 has a .post-upgrade that prints to stderr and exits 1. Exclusions [unrot-sandbox-demo, unrot-sandbox-extra, unrot-sandbox-app] keep the plan to unrot-sandbox-broken alone.`,
      provenance: provenance(k),
      exclusions: ctx.exclusions,
      recordings: rexec.recordings,
      observed: {
        plan: plan.map((s) => s.argv),
        applyError,
        versionFileAfter: readFileSync(join(k, 'usr/share/unrot-sandbox-broken/version'), 'utf8'),
      },
    },
    null,
    2,
  )}\n`,
);
removeRoot(k);

// --- what `apk add -u` and `apk upgrade NAME` do to /etc/apk/world (why the runner never uses add).
const worldEffects = [];
for (const argv of [
  ['apk', 'add', '-u', '--no-interactive', 'unrot-sandbox-pinned'],
  ['apk', 'add', '-u', '--no-interactive', 'unrot-sandbox-lib'],
  ['apk', 'upgrade', '--no-interactive', 'unrot-sandbox-demo'],
]) {
  const w = installedRoot();
  setup(w, ['update', '--update-cache']);
  const before = readFileSync(join(w, 'etc/apk/world'), 'utf8');
  const wexec = createRecordingExec(createLocalExec({ prefix: ['chroot', w] }));
  wexec.phase = 'apply';
  await wexec.change(argv, { okExitCodes: [0, 1, 2, 99] });
  worldEffects.push({
    argv,
    worldBefore: before,
    worldAfter: readFileSync(join(w, 'etc/apk/world'), 'utf8'),
    recording: wexec.recordings[0],
    provenance: provenance(w),
  });
  removeRoot(w);
}
writeFileSync(fixture('world-effects'), `${JSON.stringify(worldEffects, null, 2)}\n`);

removeRoot(base);
serverProcess.kill();
rmSync(WORK, { recursive: true, force: true });
console.log('done');
