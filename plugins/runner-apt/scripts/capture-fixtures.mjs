#!/usr/bin/env node
// Captures test/fixtures/contract-scenarios.json from REAL apt runs: each scenario runs the
// built runner (detect → check → plan → apply) against a debootstrapped Debian 12 root in a
// chroot and stores every command's real stdout/stderr/exit code. Expectations below are
// written by hand from apt's own output (`apt-get -s upgrade` summary lines), not from the runner.
// Scenarios with expect.sources also run runner.sources() after detect, where the engine's
// pre-flight runs it; the endpoints are written by hand from the files put in place and the
// capture stops if the runner returns anything else.
// Needs root, debootstrap and deb.debian.org. Run from /work/main after a build:
//   npx tsc -p packages/sdk && npx tsc -p plugins/runner-apt && node plugins/runner-apt/scripts/capture-fixtures.mjs
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { silentLogger } from '@unrot/sdk';
import { contractContainer } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';
import { createChrootExec } from '../test/chroot-exec.mjs';
import { BOOKWORM_ALL, freshRoot, MIRROR, removeRoot } from '../test/debian-root.mjs';
import { localRepoRoot } from '../test/local-repo.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const when = new Date().toISOString().slice(0, 10);
const aptVersion = () => execFileSync('chroot', [roots.base, 'apt-get', '--version'], { encoding: 'utf8' }).split('\n')[0];
const roots = { base: freshRoot('capture-probe', BOOKWORM_ALL) };
const origin = `${aptVersion()}, Debian 12 bookworm minbase debootstrapped from ${MIRROR} on ${when}, commands run with \`chroot ROOT <argv>\` on a Debian 12 host (root) by plugins/runner-apt/scripts/capture-fixtures.mjs`;
removeRoot(roots.base);

/** Runs the whole runner lifecycle like the engine does and returns the real outputs it saw. */
async function lifecycle(root, { options = {}, exclusions = [], apply = true, sources } = {}) {
  const exec = createChrootExec(root);
  const ctx = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(runner.optionsSchema, structuredClone(options)),
    container: contractContainer(),
    exclusions,
  };
  const out = { detected: await runner.detect(ctx) };
  if (out.detected.applicable && sources) {
    out.sources = await runner.sources(ctx);
    const sorted = (list) => list.map((e) => JSON.stringify([e.host, e.port, e.origin])).sort();
    if (JSON.stringify(sorted(out.sources)) !== JSON.stringify(sorted(sources)))
      throw new Error(`sources() returned ${JSON.stringify(out.sources)}, expected ${JSON.stringify(sources)}`);
  }
  if (out.detected.applicable) {
    try {
      out.checked = await runner.check(ctx);
      out.plan = await runner.plan(ctx, out.checked);
      if (apply) out.applied = await runner.apply(ctx, out.plan);
    } catch (error) {
      out.error = { code: error.code, message: error.message };
    }
  }
  return { out, recordings: exec.recordings };
}

const scenarios = [];
async function capture(name, how, root, run, expect) {
  const { out, recordings } = await lifecycle(root, { ...run, sources: expect.sources });
  console.log(`\n## ${name}\n${JSON.stringify(out, null, 1).slice(0, 3000)}`);
  scenarios.push({
    name,
    source: `${origin}. ${how}`,
    ...(run.options ? { options: run.options } : {}),
    ...(run.exclusions ? { exclusions: run.exclusions } : {}),
    recordings,
    expect,
  });
}

// 1 + 2: pending security updates in a fresh bookworm root, applied for real, then checked again.
const a = freshRoot('capture-a', BOOKWORM_ALL);
await capture(
  'updates pending (mode upgrade), applied',
  'Fresh root (point-release packages) with bookworm-updates and bookworm-security added: `apt-get -s upgrade` reported "6 upgraded".',
  a,
  {},
  { applicable: true, updates: 6, withheld: [] },
);
await capture(
  'nothing pending after the upgrade',
  'Same root right after the previous scenario applied its plan: `apt-get -s upgrade` reported "0 upgraded".',
  a,
  {},
  { applicable: true, updates: 0, withheld: [] },
);
removeRoot(a);

// 3: apt's new version depends on libapt-pkg6.0 (= new), so excluding the library must withhold apt too.
const c = freshRoot('capture-c', BOOKWORM_ALL);
await capture(
  'exclusion libapt-pkg6.0 withholds its dependant apt',
  'Fresh root as in the first scenario, exclusions [libapt-pkg6.0]; apt 2.6.2 depends on libapt-pkg6.0 (>= 2.6.2), so installing apt alone would upgrade the excluded library.',
  c,
  { exclusions: ['libapt-pkg6.0'] },
  { applicable: true, updates: 4, withheld: ['apt', 'libapt-pkg6.0'] },
);
removeRoot(c);

// 4: a glob exclusion on a package nothing depends on.
const e = freshRoot('capture-e', BOOKWORM_ALL);
await capture(
  'glob exclusion tz* withholds tzdata',
  'Fresh root as in the first scenario, exclusions [tz*].',
  e,
  { exclusions: ['tz*'] },
  { applicable: true, updates: 5, withheld: ['tzdata'] },
);
removeRoot(e);

// 5: full-upgrade without exclusions plans dist-upgrade.
const d = freshRoot('capture-d', BOOKWORM_ALL);
await capture(
  'mode full-upgrade plans dist-upgrade, applied',
  'Fresh root as in the first scenario, options {mode: full-upgrade}: `apt-get -s dist-upgrade` reported "6 upgraded, 0 newly installed, 0 to remove".',
  d,
  { options: { mode: 'full-upgrade' } },
  { applicable: true, updates: 6, withheld: [] },
);
removeRoot(d);

// 6: a Debian root whose apt package was removed with dpkg: apt-get does not exist (exit 127).
const f = freshRoot('capture-f', BOOKWORM_ALL);
execFileSync('chroot', [f, 'dpkg', '--remove', 'apt'], { stdio: 'ignore' });
await capture(
  'apt-get absent',
  'Fresh root after `dpkg --remove apt`; exit 127 and the message come from chroot (pct exec prints lxc-attach\'s "Failed to exec" with the same 127).',
  f,
  {},
  { applicable: false },
);
removeRoot(f);

// 7: apt-get update fails (exit 100) on a suite the mirror does not have.
const g = freshRoot('capture-g', [`deb ${MIRROR} bookworm-does-not-exist main`]);
await capture(
  'failing check: repository without a Release file',
  'Fresh root whose only source is a suite deb.debian.org does not have: apt-get update exits 100.',
  g,
  {},
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
);
removeRoot(g);

// 8 + 9: another apt holds the lists lock. The holder takes the same fcntl lock apt takes on
// /var/lib/apt/lists/lock (python3 fcntl.lockf), for `seconds`.
function holdListsLock(root, seconds) {
  const code = `import fcntl,sys,time\nf=open(sys.argv[1],'a')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\ntime.sleep(float(sys.argv[2]))`;
  const child = spawn('python3', ['-c', code, join(root, 'var/lib/apt/lists/lock'), String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => child.stdout.once('data', () => resolve(child)));
}
const h = freshRoot('capture-h', BOOKWORM_ALL);
let holder = await holdListsLock(h, 30);
await capture(
  'failing check: another apt holds the lists lock',
  "Fresh root as in the first scenario while another process held the fcntl lock on /var/lib/apt/lists/lock; lock_timeout_s 0, so apt-get update's immediate exit 100 is final.",
  h,
  { options: { lock_timeout_s: 0 } },
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
);
holder.kill();
// Held for 1 s with lock_timeout_s 20: the runner retries apt-get update until the lock is free.
holder = await holdListsLock(h, 1);
const waited = await lifecycle(h, { options: { lock_timeout_s: 20 }, apply: false });
console.log(`\n## lock wait\n${JSON.stringify(waited.out.checked)}`);
writeFileSync(
  join(here, '../test/fixtures/lock-wait-recordings.json'),
  `${JSON.stringify({ source: `${origin}. The lists lock was held for 1 s by another process; options {lock_timeout_s: 20}; check retried apt-get update.`, recordings: waited.recordings }, null, 2)}\n`,
);
holder.kill();
removeRoot(h);

// 10-12: a local repository (test/local-repo.mjs) where unrot-demo-app 2.0 needs a new
// package and conflicts with an installed one.
const repoHow =
  'Fresh root plus a local repository built with dpkg-deb/dpkg-scanpackages (test/local-repo.mjs, `deb [trusted=yes] file:/srv/unrot-repo ./`): unrot-demo-app 1.0 and unrot-demo-old 1.0 installed, the repository has unrot-demo-app 2.0 (Depends: unrot-demo-lib, Conflicts: unrot-demo-old) and unrot-demo-lib 1.0.';
const k = localRepoRoot('capture-k');
await capture(
  'kept back in mode upgrade',
  `${repoHow} \`apt-get -s upgrade\` reported "The following packages have been kept back: unrot-demo-app" and "0 upgraded … 1 not upgraded".`,
  k,
  {},
  { applicable: true, updates: 0, withheld: ['unrot-demo-app'] },
);
await capture(
  'full-upgrade with the removed package excluded withholds the upgrade',
  `${repoHow} Options {mode: full-upgrade}, exclusions [unrot-demo-old]: upgrading unrot-demo-app would remove it.`,
  k,
  { options: { mode: 'full-upgrade' }, exclusions: ['unrot-demo-old'] },
  { applicable: true, updates: 0, withheld: ['unrot-demo-app', 'unrot-demo-old'] },
);
await capture(
  'full-upgrade installs a new dependency and removes a conflicting package, applied',
  `${repoHow} Options {mode: full-upgrade}: \`apt-get -s dist-upgrade\` reported "1 upgraded, 1 newly installed, 1 to remove".`,
  k,
  { options: { mode: 'full-upgrade' } },
  { applicable: true, updates: 2, withheld: [] },
);
removeRoot(k);

// 13 + 14: sources() before check, as the engine's pre-flight asks it.
const sourcesListOrigin = `deb ${MIRROR} (/etc/apt/sources.list)`;
const p = freshRoot('capture-p', BOOKWORM_ALL);
await capture(
  'pre-flight: the mirror of sources.list, then updates pending, applied',
  'Fresh root as in the first scenario; sources() ran after detect: find, cat /etc/apt/sources.list, apt-config dump (no proxy set). Its three lines name one host, deb.debian.org:80 (the first origin is kept).',
  p,
  {},
  { applicable: true, updates: 6, withheld: [], sources: [{ host: 'deb.debian.org', port: 80, origin: sourcesListOrigin }] },
);
removeRoot(p);

/**
 * A plain forwarding HTTP proxy on 127.0.0.1 (the chroot shares the host's network), standing in
 * for the site proxy many containers must use. It ignores Proxy-Authorization: the credentials
 * are there to show that they reach neither the report nor the fixtures' expectations.
 */
async function forwardProxy() {
  const server = createServer((req, res) => {
    server.forwarded.push(`${req.method} ${req.url}`);
    const target = new URL(req.url);
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
const proxy = await forwardProxy();
const proxyPort = proxy.address().port;
const q = freshRoot('capture-q', BOOKWORM_ALL);
writeFileSync(join(q, 'etc/apt/apt.conf.d/90proxy'), `Acquire::http::Proxy "http://unrot:s3cret@127.0.0.1:${proxyPort}/";\n`);
await capture(
  'pre-flight: the apt proxy with credentials (redacted), then updates pending through it, applied',
  `Fresh root as in the first scenario plus /etc/apt/apt.conf.d/90proxy = \`Acquire::http::Proxy "http://unrot:s3cret@127.0.0.1:${proxyPort}/";\`, a forwarding HTTP proxy the script ran on the host (it ignores the credentials); apt-get update and the downloads of apply went through it (the script checks that the proxy forwarded them). sources() names the proxy for every deb.debian.org line, the password replaced by ***.`,
  q,
  {},
  {
    applicable: true,
    updates: 6,
    withheld: [],
    sources: [
      {
        host: '127.0.0.1',
        port: proxyPort,
        origin: `Acquire::http::Proxy http://***@127.0.0.1:${proxyPort}/ (apt-config), for ${sourcesListOrigin}`,
      },
    ],
  },
);
proxy.close();
removeRoot(q);
// The claim of the scenario's source: apt's requests really went through the proxy.
if (!proxy.forwarded.some((r) => r.startsWith('GET http://deb.debian.org/debian/dists/bookworm/InRelease')))
  throw new Error(`apt did not go through the proxy: ${JSON.stringify(proxy.forwarded.slice(0, 5))}`);
if (!proxy.forwarded.some((r) => r.endsWith('.deb'))) throw new Error('apply did not download through the proxy');
console.log(`\nproxy forwarded ${proxy.forwarded.length} requests, e.g. ${proxy.forwarded.slice(0, 3).join(', ')}`);

writeFileSync(join(here, '../test/fixtures/contract-scenarios.json'), `${JSON.stringify(scenarios, null, 2)}\n`);
console.log(`\nwrote ${scenarios.length} scenarios`);
