#!/usr/bin/env node
// Records test/fixtures/contract-scenarios.json (the contract kit's captures) and
// test/fixtures/failure-recordings.json with REAL dnf 4 and rpm (Debian 12's packages) in Debian 12
// roots entered with chroot (test/dnf-root.mjs: the sandbox template + `apt-get install dnf rpm`,
// /proc mounted as in a container), against a real rpm repository built with rpmbuild,
// createrepo_c and modifyrepo_c and served over HTTP from 127.0.0.1 (test/rpm-repo.mjs).
// Expectations are written by hand from what the repository holds, not from the runner; the
// SDK recorder stops when the runner disagrees. Needs root, rpmbuild, createrepo-c, deb.debian.org
// (first run only, to install dnf into the cached base).
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-dnf`):
//   node plugins/runner-dnf/scripts/record-fixtures.mjs
import { execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { forwardProxy } from '../../../scripts/recording/forward-proxy.mjs';
import { runner } from '../dist/index.js';
import { freshRoot, plainRoot, removeRoot } from '../test/dnf-root.mjs';
import { buildRepo, serve } from '../test/rpm-repo.mjs';

const host = `Debian ${execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim()} host (root)`;
const inRoot = (root) => ({
  exec: createLocalExec({ prefix: ['chroot', root] }),
  where: `\`chroot ${root}\` on a ${host}: Debian 12 root (sandbox template) with Debian's dnf and rpm installed, /proc mounted`,
  toolVersion: ['dnf', '--version'],
});
const recorder = createRecorder(runner);
const capture = (name, how, root, run, expect) => recorder.record({ name, how, ...run, expect }, inRoot(root));

const repoDir = buildRepo();
const server = await serve(repoDir);
const { port } = server;
const repoHow = `Local repository (test/rpm-repo.mjs: rpmbuild noarch packages, createrepo_c, updateinfo via modifyrepo_c) served on http://127.0.0.1:${port}/repo/: unrot-sandbox-demo 1.0-1 and 1.1-1 (1.1 in security advisory UNROT-2026-0001), unrot-sandbox-extra 2:1.0-1 and 2:1.1-1, unrot-sandbox-failing 1.0-1 and 1.1-1 (failing %pre), unrot-sandbox-slow 1.0-1. /etc/yum.repos.d/unrot-sandbox.repo: baseurl=http://127.0.0.1:${port}/repo/, gpgcheck=0.`;
const both = ['unrot-sandbox-demo-1.0', 'unrot-sandbox-extra-1.0'];

// 1 + 2: demo and extra 1.0 installed, both 1.1 pending; applied, then nothing pending.
const a = freshRoot('capture-a', { port, install: both });
await capture(
  'updates pending (mode upgrade), applied',
  `${repoHow} Installed with dnf: unrot-sandbox-demo 1.0-1, unrot-sandbox-extra 2:1.0-1; \`dnf check-update\` exit 100 listing both.`,
  a,
  {},
  { applicable: true, updates: 2, withheld: [] },
);
await capture(
  'nothing pending after the upgrade',
  `${repoHow} Same root right after the previous scenario applied its plan.`,
  a,
  {},
  {
    applicable: true,
    updates: 0,
    withheld: [],
  },
);
removeRoot(a);

// 3: exclusion by name.
const b = freshRoot('capture-b', { port, install: both });
await capture(
  'exclusion unrot-sandbox-extra: withheld, demo upgraded',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1; exclusions [unrot-sandbox-extra].`,
  b,
  { exclusions: ['unrot-sandbox-extra'] },
  { applicable: true, updates: 1, withheld: ['unrot-sandbox-extra'] },
);
removeRoot(b);

// 4: glob exclusion.
const c = freshRoot('capture-c', { port, install: both });
await capture(
  'glob exclusion unrot-sandbox-d*: demo withheld',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1; exclusions [unrot-sandbox-d*].`,
  c,
  { exclusions: ['unrot-sandbox-d*'] },
  { applicable: true, updates: 1, withheld: ['unrot-sandbox-demo'] },
);
removeRoot(c);

// 5: security only: demo has the advisory, extra none.
const d = freshRoot('capture-d', { port, install: both });
await capture(
  'security only: the advisory package, applied',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1; options {security: true}: \`dnf check-update --security\` exit 100 listing only unrot-sandbox-demo.`,
  d,
  { options: { security: true } },
  { applicable: true, updates: 1, withheld: [] },
);
removeRoot(d);

// 6: upgrade-minimal.
const e = freshRoot('capture-e', { port, install: both });
await capture(
  'mode upgrade-minimal: only advisory versions, pinned, applied',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1; options {mode: upgrade-minimal}: \`dnf check-update --bugfix --enhancement --security\` exit 100 listing only unrot-sandbox-demo.`,
  e,
  { options: { mode: 'upgrade-minimal' } },
  { applicable: true, updates: 1, withheld: [] },
);
removeRoot(e);

// 7: no dnf at all.
const f = plainRoot('capture-f');
await capture(
  'dnf absent',
  "The sandbox template without dnf: `dnf` and `yum` exit 127 (from chroot; pct exec gives 127 from lxc-attach's failed exec).",
  f,
  {},
  { applicable: false },
);
removeRoot(f);

// 8: unreachable repository (nothing listens on the port).
const g = freshRoot('capture-g', { port, install: both });
// A port nothing listens on: bound, then closed again.
const closed = await new Promise((resolve) => {
  const probe = createNetServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve({ port: free }));
  });
});
writeFileSync(
  join(g, 'etc/yum.repos.d/unrot-sandbox.repo'),
  `[unrot-sandbox]\nname=unrot sandbox\nbaseurl=http://127.0.0.1:${closed.port}/repo/\nenabled=1\ngpgcheck=0\n`,
);
rmSync(join(g, 'var/cache/dnf'), { recursive: true, force: true });
await capture(
  'failing check: repository unreachable',
  `Root as in the first scenario, then its repository pointed at 127.0.0.1:${closed.port} where nothing listens and dnf's cache removed: check-update exits 1 (skip_if_unavailable=False).`,
  g,
  {},
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
);
removeRoot(g);

// 9: corrupt metadata.
const h = freshRoot('capture-h', { port, install: both });
writeFileSync(
  join(h, 'etc/yum.repos.d/unrot-sandbox.repo'),
  `[unrot-sandbox]\nname=unrot sandbox\nbaseurl=http://127.0.0.1:${port}/corrupt/\nenabled=1\ngpgcheck=0\n`,
);
rmSync(join(h, 'var/cache/dnf'), { recursive: true, force: true });
await capture(
  'failing check: corrupt metadata',
  `Root as in the first scenario, then its repository pointed at http://127.0.0.1:${port}/corrupt/: the same repository with primary.xml.gz cut to 100 bytes, so its checksum no longer matches repomd.xml.`,
  h,
  {},
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
);
removeRoot(h);

// 10: pre-flight sources, then updates pending.
const p = freshRoot('capture-p', { port, install: both });
await capture(
  'pre-flight: the repository host, then updates pending, applied',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1; sources() ran after detect: find, cat /etc/dnf/dnf.conf (Debian's, no proxy), cat the .repo file.`,
  p,
  {},
  {
    applicable: true,
    updates: 2,
    withheld: [],
    sources: [
      { host: '127.0.0.1', port, origin: `baseurl http://127.0.0.1:${port}/repo/ [unrot-sandbox] (/etc/yum.repos.d/unrot-sandbox.repo)` },
    ],
  },
);
removeRoot(p);

// 11: a proxy in dnf.conf (with credentials), through which dnf really fetched.

const proxy = await forwardProxy();
const proxyPort = proxy.address().port;
const q = freshRoot('capture-q', { port, install: both });
const conf = execFileSync('cat', [join(q, 'etc/dnf/dnf.conf')], { encoding: 'utf8' });
writeFileSync(join(q, 'etc/dnf/dnf.conf'), `${conf.trimEnd()}\nproxy=http://unrot:s3cret@127.0.0.1:${proxyPort}/\n`);
rmSync(join(q, 'var/cache/dnf'), { recursive: true, force: true });
await capture(
  'pre-flight: the dnf.conf proxy with credentials (redacted), then updates through it, applied',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1; Debian's /etc/dnf/dnf.conf plus \`proxy=http://unrot:s3cret@127.0.0.1:${proxyPort}/\` in [main], a forwarding HTTP proxy the script ran on the host (it ignores the credentials); the script checks that dnf's metadata and package requests went through it.`,
  q,
  {},
  {
    applicable: true,
    updates: 2,
    withheld: [],
    sources: [
      {
        host: '127.0.0.1',
        port: proxyPort,
        origin: `proxy of [main] http://***@127.0.0.1:${proxyPort}/, for baseurl http://127.0.0.1:${port}/repo/ [unrot-sandbox] (/etc/yum.repos.d/unrot-sandbox.repo)`,
      },
    ],
  },
);
proxy.close();
removeRoot(q);
if (!proxy.forwarded.some((r) => r.includes('/repo/repodata/repomd.xml')))
  throw new Error(`dnf did not go through the proxy: ${proxy.forwarded.slice(0, 5)}`);
if (!proxy.forwarded.some((r) => r.endsWith('.rpm'))) throw new Error('apply did not download through the proxy');

// 12: needs-restarting available (dnf-plugins-core from Debian installed in the root).
const n = freshRoot('capture-n', { port, install: both });
execFileSync('cp', ['/etc/resolv.conf', join(n, 'etc/resolv.conf')]);
execFileSync('chroot', [n, 'apt-get', 'install', '-y', '-q', 'dnf-plugins-core'], {
  stdio: 'ignore',
  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
});
// Debian's dnf-plugins-core enables its `local` plugin (/etc/dnf/plugins/local.conf), whose
// _dnf_local repository has gpgcheck=1: measured, every upgrade then fails with "Problem
// repository: [_dnf_local]" and no GPG keys. Fedora ships that plugin separately and off.
writeFileSync(join(n, 'etc/dnf/plugins/local.conf'), '[main]\nenabled = false\n');
await capture(
  'dnf-plugins-core installed: needs-restarting -r answers after apply',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1, and Debian's dnf-plugins-core (apt-get; its \`local\` plugin switched off in /etc/dnf/plugins/local.conf, see the script), so \`dnf needs-restarting -r\` exists (it answers "Reboot should not be necessary", exit 0).`,
  n,
  {},
  { applicable: true, updates: 2, withheld: [] },
);
removeRoot(n);

recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));

// Failures during apply (the recorder stops at an apply that throws, so these are recorded
// directly): every command with its real output, replayed by test/failures.test.ts.
const failures = [];
async function recordApply(name, how, root, options, exclusions, before) {
  const exec = createLocalExec({ prefix: ['chroot', root] });
  const recordings = [];
  const any = Array.from({ length: 256 }, (_, i) => i);
  const wrap =
    (kind) =>
    async (argv, opts = {}) => {
      const r = await exec[kind](argv, { ...opts, okExitCodes: any });
      recordings.push({
        argv: [...argv],
        exitCode: r.exitCode,
        stdout: r.stdout,
        stderr: r.stderr,
        ...(kind === 'change' ? { change: true } : {}),
      });
      return r;
    };
  const ctx = {
    exec: { dryRun: false, read: wrap('read'), change: wrap('change') },
    log: { info() {}, warn() {}, error() {}, debug() {} },
    signal: new AbortController().signal,
    options: { mode: 'upgrade', security: false, lock_timeout_s: 0, gpgcheck: true, ...options },
    container: { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false },
    exclusions,
  };
  const checked = await runner.check(ctx);
  const steps = await runner.plan(ctx, checked);
  await before?.();
  const error = await runner.apply(ctx, steps).then(
    () => undefined,
    (err) => err,
  );
  if (!error) throw new Error(`${name}: apply did not fail`);
  const version = execFileSync('chroot', [root, 'dnf', '--version'], { encoding: 'utf8' }).split('\n')[0];
  failures.push({
    name,
    source: `${how} (recorded ${new Date().toISOString().slice(0, 10)} by \`node plugins/runner-dnf/scripts/record-fixtures.mjs\` on ${inRoot(root).where}; dnf ${version})`,
    options: ctx.options,
    exclusions,
    check: checked,
    error: { code: error.code, message: error.message },
    recordings,
  });
  console.log(`recorded failure: ${name}: ${error.code} ${error.message}`);
}

const s = freshRoot('capture-s', { port, install: ['unrot-sandbox-demo-1.0', 'unrot-sandbox-failing-1.0'] });
await recordApply(
  'failing %pre scriptlet of unrot-sandbox-failing 1.1',
  `${repoHow} Installed: demo 1.0-1, failing 1.0-1; the upgrade of unrot-sandbox-failing 1.1 fails in its %pre scriptlet (rpm's "Error in PREIN scriptlet", dnf exit 1) after demo 1.1 was installed in the same transaction.`,
  s,
  {},
  [],
);
removeRoot(s);

const l = freshRoot('capture-l', { port, install: both });
let holder;
await recordApply(
  'another dnf transaction holds the rpm database lock (lock_timeout_s 0)',
  `${repoHow} Installed: demo 1.0-1, extra 2:1.0-1; between plan and apply another \`dnf -y install unrot-sandbox-slow\` started in the same root; its %pre sleeps 30 s inside the transaction, so dnf's RPMDB lock is held (exit 200, "RPMDB already locked by PID" with exit_on_lock).`,
  l,
  {},
  [],
  async () => {
    holder = spawn('chroot', [l, 'env', 'UNROT_SLOW_SECONDS=30', 'dnf', '-y', 'install', 'unrot-sandbox-slow'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    await new Promise((resolve) =>
      holder.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Running scriptlet: unrot-sandbox-slow')) resolve();
      }),
    );
  },
);
await new Promise((resolve) => holder.on('exit', resolve));
removeRoot(l);

writeFileSync(new URL('../test/fixtures/failure-recordings.json', import.meta.url), `${JSON.stringify(failures, null, 2)}\n`);
await server.close();
rmSync(repoDir, { recursive: true, force: true });
