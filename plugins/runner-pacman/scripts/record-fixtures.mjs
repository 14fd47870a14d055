#!/usr/bin/env node
// The captures of test/fixtures: REAL pacman 6.0.2 (Debian's pacman-package-manager) in chroots
// of a Debian 12 root, against a real local pacman repository built with makepkg and repo-add
// and served over HTTP from 127.0.0.1 (test/pacman-root.mjs). The SDK recorder runs the built
// runner detect → sources → check → plan → apply → check again and keeps every command's output;
// expectations below are written from pacman's own output (`pacman -Qu`, the messages quoted),
// not from the runner. Apply failures, which the recorder does not take, are recorded with its
// recording exec into apply-failures.json. Needs root, makepkg, repo-add, network to
// deb.debian.org for the first base. Usage (from /work/main, after
// `npx tsc -p packages/sdk && npx tsc -p plugins/runner-pacman`):
//   node plugins/runner-pacman/scripts/record-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUnrotError, silentLogger } from '@unrot/sdk';
import { createLocalExec, createRecorder, createRecordingExec } from '@unrot/sdk/testing';
import { forwardProxy } from '../../../scripts/recording/forward-proxy.mjs';
import { runner } from '../dist/index.js';
import { buildRepos, freshRoot, installed, noPacmanRoot, removeRoot, setMirror, startRepoServer, WORK } from '../test/pacman-root.mjs';

const host = `Debian ${execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim()} host (root)`;
const where = (root) =>
  `\`chroot ${root}\` on a ${host}: a Debian 12 root with Debian's pacman-package-manager, repository [unrot] (makepkg + repo-add, served over HTTP from 127.0.0.1)`;
const target = (root, env) => ({
  exec: createLocalExec({ prefix: ['chroot', root], ...(env ? { env: { ...process.env, ...env } } : {}) }),
  where: where(root),
  toolVersion: ['pacman', '--version'],
});
const recorder = createRecorder(runner);
const capture = (name, how, root, run, expect, env) => recorder.record({ name, how, ...run, expect }, target(root, env));

// Every root made, so a failing scenario leaves no mount behind (removeRoot is idempotent).
const made = [];
const fresh = (name, opts) => {
  made.push(join(WORK, name));
  return freshRoot(name, opts);
};
const noPacman = (name) => {
  made.push(join(WORK, name));
  return noPacmanRoot(name);
};

buildRepos();
const server = await startRepoServer();
const port = server.port;
const repoHow = (installedNow) =>
  `Root with ${installedNow} installed from the 1.0 repository, then its mirror moved to the 1.1 one (Server = http://127.0.0.1:${port}/v11 in the Include'd /etc/pacman.d/unrot-mirrorlist);`;
const mirrorOrigin = `Server = http://127.0.0.1:${port}/v11 ([unrot], pacman-conf)`;

try {
  // 1 + 2: one package pending, applied, then nothing.
  const a = fresh('capture-a', { port, install: ['unrot-sandbox-demo'] });
  await capture(
    'pre-flight: the [unrot] mirror, then updates pending, applied',
    `${repoHow('unrot-sandbox-demo 1.0')} \`pacman -Qu\` printed "unrot-sandbox-demo 1.0-1 -> 1.1-1". sources() read pacman-conf and the proxy variables (none set).`,
    a,
    {},
    { applicable: true, updates: 1, withheld: [], sources: [{ host: '127.0.0.1', port, origin: mirrorOrigin }] },
  );
  if (installed(a).get('unrot-sandbox-demo') !== '1.1-1') throw new Error('apply did not install unrot-sandbox-demo 1.1-1');
  await capture(
    'nothing pending after the upgrade',
    'The same root right after the previous scenario applied its plan: `pacman -Qu` printed nothing, exit 1.',
    a,
    {},
    {
      applicable: true,
      updates: 0,
      withheld: [],
    },
  );
  removeRoot(a);

  // 3: a glob exclusion, expanded to the pending name for --ignore.
  const b = fresh('capture-b', { port, install: ['unrot-sandbox-demo', 'unrot-sandbox-keep'] });
  await capture(
    'glob exclusion unrot-sandbox-k* keeps unrot-sandbox-keep (--ignore), applied',
    `${repoHow('unrot-sandbox-demo 1.0 and unrot-sandbox-keep 1.0')} exclusions [unrot-sandbox-k*]; \`pacman -Qu\` listed both.`,
    b,
    { exclusions: ['unrot-sandbox-k*'] },
    { applicable: true, updates: 1, withheld: ['unrot-sandbox-keep'] },
  );
  if (installed(b).get('unrot-sandbox-keep') !== '1.0-1') throw new Error('the excluded package was upgraded');
  removeRoot(b);

  // 4: IgnorePkg in pacman.conf: pacman -Qu marks it "[ignored]".
  const c = fresh('capture-c', { port, install: ['unrot-sandbox-demo', 'unrot-sandbox-keep'], ignorePkg: ['unrot-sandbox-keep'] });
  await capture(
    'IgnorePkg in pacman.conf is reported as held',
    `${repoHow('unrot-sandbox-demo 1.0 and unrot-sandbox-keep 1.0')} pacman.conf has \`IgnorePkg = unrot-sandbox-keep\`: \`pacman -Qu\` printed "unrot-sandbox-keep 1.0-1 -> 1.1-1 [ignored]".`,
    c,
    {},
    { applicable: true, updates: 1, withheld: ['unrot-sandbox-keep'] },
  );
  removeRoot(c);

  // 5: excluding a package another upgrade needs: pacman refuses the -Su, the runner refuses the partial upgrade.
  const d = fresh('capture-d', { port, install: ['unrot-sandbox-needs'] });
  await capture(
    'excluding a dependency of another upgrade is a refused partial upgrade',
    `${repoHow('unrot-sandbox-needs 1.0 and its dependency unrot-sandbox-keep 1.0')} exclusions [unrot-sandbox-keep]; unrot-sandbox-needs 1.1 depends on unrot-sandbox-keep>=1.1, so \`pacman -Su --print --ignore unrot-sandbox-keep\` said ":: unable to satisfy dependency 'unrot-sandbox-keep>=1.1' required by unrot-sandbox-needs".`,
    d,
    { exclusions: ['unrot-sandbox-keep'] },
    { applicable: true, checkErrorCode: 'E_CONFIG' },
  );
  removeRoot(d);

  // 6: no pacman at all.
  const e = noPacman('capture-e');
  await recorder.record(
    {
      name: 'pacman absent',
      how: 'A Debian 12 root without pacman: `env LC_ALL=C pacman --version` exits 127 (env: "No such file or directory"), as pct exec gives 127 for a missing command.',
      expect: { applicable: false },
    },
    {
      exec: createLocalExec({ prefix: ['chroot', e] }),
      where: where(e).replace(/with Debian's.*$/, 'without pacman'),
      toolVersion: ['cat', '/etc/debian_version'],
    },
  );
  removeRoot(e);

  // 7: the mirror does not answer.
  const f = fresh('capture-f', { port, install: ['unrot-sandbox-demo'] });
  setMirror(f, 'http://127.0.0.1:9/v11');
  await capture(
    'failing check: mirror unreachable',
    `${repoHow('unrot-sandbox-demo 1.0')} then the mirror set to http://127.0.0.1:9/v11, where nothing listens: pacman -Sy fails to download unrot.db.`,
    f,
    {},
    { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
  );
  removeRoot(f);

  // 8: the mirror serves a database that is not one.
  const g = fresh('capture-g', { port, install: ['unrot-sandbox-demo'] });
  setMirror(g, `http://127.0.0.1:${port}/corrupt`);
  await capture(
    'failing check: corrupt repository database',
    `${repoHow('unrot-sandbox-demo 1.0')} then the mirror set to http://127.0.0.1:${port}/corrupt, whose unrot.db is a line of text, not an archive.`,
    g,
    {},
    { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
  );
  removeRoot(g);

  // 9: the private sync database is locked (an earlier check still running, or one that died).
  const h = fresh('capture-h', { port, install: ['unrot-sandbox-demo'] });
  mkdirSync(join(h, 'var/lib/unrot/pacman-sync'), { recursive: true });
  writeFileSync(join(h, 'var/lib/unrot/pacman-sync/db.lck'), '');
  await capture(
    'failing check: the private sync database is locked',
    `${repoHow('unrot-sandbox-demo 1.0')} /var/lib/unrot/pacman-sync/db.lck created beforehand; lock_timeout_s 0, so pacman's "unable to lock database" is final.`,
    h,
    { options: { lock_timeout_s: 0 } },
    { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
  );
  removeRoot(h);

  // 10: a proxy in the environment pacman runs in (libcurl reads http_proxy).
  const proxy = await forwardProxy();
  const proxyPort = proxy.address().port;
  const i = fresh('capture-i', { port, install: ['unrot-sandbox-demo'] });
  await capture(
    'pre-flight: http_proxy with credentials (redacted), then updates pending through it, applied',
    `${repoHow('unrot-sandbox-demo 1.0')} the commands ran with http_proxy=http://unrot:s3cret@127.0.0.1:${proxyPort}/ in their environment (as pct exec passes it), a forwarding proxy the script ran (it ignores the credentials); the script checks that pacman's downloads went through it.`,
    i,
    {},
    {
      applicable: true,
      updates: 1,
      withheld: [],
      sources: [
        { host: '127.0.0.1', port: proxyPort, origin: `http_proxy http://***@127.0.0.1:${proxyPort}/ (environment), for ${mirrorOrigin}` },
      ],
    },
    { http_proxy: `http://unrot:s3cret@127.0.0.1:${proxyPort}/` },
  );
  proxy.close();
  removeRoot(i);
  if (!proxy.forwarded.some((r) => r.endsWith('/v11/unrot.db')))
    throw new Error(`pacman -Sy did not go through the proxy: ${proxy.forwarded.join(', ')}`);
  if (!proxy.forwarded.some((r) => r.includes('.pkg.tar'))) throw new Error('apply did not download through the proxy');

  recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));

  // Apply failures: detect → check → plan → apply with the recorder's exec; the error is kept too.
  const failures = [];
  async function captureApplyFailure(name, how, root, options, prepare) {
    const exec = createRecordingExec(createLocalExec({ prefix: ['chroot', root] }));
    const ctx = {
      exec,
      log: silentLogger,
      signal: new AbortController().signal,
      options: { lock_timeout_s: 120, ...options },
      container: { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false },
      exclusions: [],
    };
    if (!(await runner.detect(ctx)).applicable) throw new Error(`${name}: not applicable`);
    exec.phase = 'check';
    const checked = await runner.check(ctx);
    exec.phase = 'plan';
    const steps = await runner.plan(ctx, checked);
    const during = prepare?.();
    exec.phase = 'apply';
    const started = Date.now();
    const error = await runner.apply(ctx, steps).then(
      () => undefined,
      (err) => err,
    );
    await during;
    failures.push({
      name,
      source: `${how} (recorded ${new Date().toISOString().slice(0, 10)} by \`node plugins/runner-pacman/scripts/record-fixtures.mjs\` on ${where(root)}; ${execFileSync('chroot', [root, 'pacman-conf', '--version'], { encoding: 'utf8' }).split('\n')[0]})`,
      options,
      recordings: exec.recordings,
      expect: error ? { applyErrorCode: isUnrotError(error) ? error.code : `uncoded: ${error}` } : { applied: true },
      installedAfter: Object.fromEntries(installed(root)),
      applyMs: Date.now() - started,
    });
    if (error) console.log(`${name}: ${error.code} ${error.message}`);
  }

  const j = fresh('capture-j', { port, install: ['unrot-sandbox-broken'] });
  await captureApplyFailure(
    'post_upgrade scriptlet fails',
    `${repoHow('unrot-sandbox-broken 1.0')} unrot-sandbox-broken 1.1's post_upgrade exits 1: pacman prints "error: command failed to execute correctly", completes the transaction and exits 0.`,
    j,
    {},
  );
  removeRoot(j);

  const k = fresh('capture-k', { port, install: ['unrot-sandbox-demo', 'unrot-sandbox-conflict'] });
  await captureApplyFailure(
    'file conflict fails the transaction',
    `${repoHow('unrot-sandbox-demo 1.0 and unrot-sandbox-conflict 1.0')} unrot-sandbox-conflict 1.1 also ships /usr/share/unrot-sandbox-demo/version: pacman refuses the transaction (conflicting files), exit 1, nothing upgraded.`,
    k,
    {},
  );
  removeRoot(k);

  const l = fresh('capture-l', { port, install: ['unrot-sandbox-demo'] });
  const lock = join(l, 'var/lib/pacman/db.lck');
  await captureApplyFailure(
    'the live database stays locked',
    `${repoHow('unrot-sandbox-demo 1.0')} /var/lib/pacman/db.lck created after plan; lock_timeout_s 3: pacman -Syu fails "unable to lock database" until the runner gives up; the lock file is left in place.`,
    l,
    { lock_timeout_s: 3 },
    () => writeFileSync(lock, ''),
  );
  removeRoot(l);

  const m = fresh('capture-m', { port, install: ['unrot-sandbox-demo'] });
  const lockM = join(m, 'var/lib/pacman/db.lck');
  await captureApplyFailure(
    'the live database lock is released while the runner waits',
    `${repoHow('unrot-sandbox-demo 1.0')} /var/lib/pacman/db.lck created after plan and removed 3 s later; lock_timeout_s 30: pacman -Syu fails "unable to lock database", then succeeds on a retry.`,
    m,
    { lock_timeout_s: 30 },
    () => {
      writeFileSync(lockM, '');
      return new Promise((resolve) => setTimeout(() => resolve(rmSync(lockM)), 3000));
    },
  );
  removeRoot(m);
  writeFileSync(new URL('../test/fixtures/apply-failures.json', import.meta.url), `${JSON.stringify(failures, null, 2)}\n`);
} finally {
  server.stop();
  for (const dir of made) removeRoot(dir);
}
