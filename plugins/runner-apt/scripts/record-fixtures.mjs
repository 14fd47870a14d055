#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json (the contract kit's captures), recorded
// by the SDK's recorder (@unrot/sdk/testing createRecorder): each runs the built runner (detect →
// sources → check → plan → apply → check again) in a debootstrapped Debian 12 root through
// `chroot ROOT <argv>` and keeps every command's real output. Expectations below are written by
// hand from apt's own output (`apt-get -s upgrade` summary lines), not from the runner; the
// recorder stops when the runner disagrees. Needs root, debootstrap and deb.debian.org.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-apt`):
//   node plugins/runner-apt/scripts/record-fixtures.mjs
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { silentLogger } from '@unrot/sdk';
import { contractContainer, createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { forwardProxy } from '../../../scripts/recording/forward-proxy.mjs';
import { runner } from '../dist/index.js';
import { createChrootExec } from '../test/chroot-exec.mjs';
import { BOOKWORM_ALL, freshRoot, MIRROR, removeRoot } from '../test/debian-root.mjs';
import { localRepoRoot } from '../test/local-repo.mjs';

const host = `Debian ${execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim()} host (root)`;
/** A copy of the debootstrapped root, entered with chroot as the engine enters a container with pct exec. */
const inRoot = (root) => ({
  exec: createLocalExec({ prefix: ['chroot', root] }),
  where: `\`chroot ${root}\` on a ${host}: Debian 12 bookworm minbase debootstrapped from ${MIRROR}`,
  toolVersion: ['apt-get', '--version'],
});
const recorder = createRecorder(runner);
const capture = (name, how, root, run, expect) => recorder.record({ name, how, ...run, expect }, inRoot(root));

// 1 + 2: pending security updates in a fresh bookworm root, applied for real, then checked again.
const a = freshRoot('capture-a', BOOKWORM_ALL);
await capture(
  'updates pending (mode upgrade), applied',
  'Fresh root (point-release packages) with bookworm-updates and bookworm-security added: `apt-get -s upgrade` reported "12 upgraded".',
  a,
  {},
  { applicable: true, updates: 12, withheld: [] },
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
  { applicable: true, updates: 10, withheld: ['apt', 'libapt-pkg6.0'] },
);
removeRoot(c);

// 4: a glob exclusion on a package nothing depends on.
const e = freshRoot('capture-e', BOOKWORM_ALL);
await capture(
  'glob exclusion tz* withholds tzdata',
  'Fresh root as in the first scenario, exclusions [tz*].',
  e,
  { exclusions: ['tz*'] },
  { applicable: true, updates: 11, withheld: ['tzdata'] },
);
removeRoot(e);

// 5: full-upgrade without exclusions plans dist-upgrade.
const d = freshRoot('capture-d', BOOKWORM_ALL);
await capture(
  'mode full-upgrade plans dist-upgrade, applied',
  'Fresh root as in the first scenario, options {mode: full-upgrade}: `apt-get -s dist-upgrade` reported "12 upgraded, 0 newly installed, 0 to remove".',
  d,
  { options: { mode: 'full-upgrade' } },
  { applicable: true, updates: 12, withheld: [] },
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

// 8: another apt holds the lists lock. The holder takes the same fcntl lock apt takes on
// /var/lib/apt/lists/lock (python3 fcntl.lockf), for `seconds`.
function holdListsLock(root, seconds) {
  const code = `import fcntl,sys,time\nf=open(sys.argv[1],'a')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\ntime.sleep(float(sys.argv[2]))`;
  const child = spawn('python3', ['-c', code, join(root, 'var/lib/apt/lists/lock'), String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => child.stdout.once('data', () => resolve(child)));
}
const h = freshRoot('capture-h', BOOKWORM_ALL);
const holder = await holdListsLock(h, 30);
await capture(
  'failing check: another apt holds the lists lock',
  "Fresh root as in the first scenario while another process held the fcntl lock on /var/lib/apt/lists/lock; lock_timeout_s 0, so apt-get update's immediate exit 100 is final.",
  h,
  { options: { lock_timeout_s: 0 } },
  { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
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
  'Fresh root as in the first scenario; sources() ran after detect and took over the discovery detect had read in its one exec (apt-get --version, /etc/apt/sources.list, apt-config dump; no proxy set): no exec of its own. Its three lines name one host, deb.debian.org:80 (the first origin is kept).',
  p,
  {},
  { applicable: true, updates: 12, withheld: [], sources: [{ host: 'deb.debian.org', port: 80, origin: sourcesListOrigin }] },
);
removeRoot(p);

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
    updates: 12,
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

recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));

// check while another apt holds the lists lock for 1 s (lock_timeout_s 20): the refresh exec
// exits 100 at once, check waits and runs it again. Run outside the recorder, which runs detect
// and sources first (by then a 1 s lock is usually free again): check alone, right after the lock.
const l = freshRoot('capture-l', BOOKWORM_ALL);
const lockExec = createChrootExec(l);
const lockHolder = await holdListsLock(l, 1);
const locked = await runner.check({
  exec: lockExec,
  log: silentLogger,
  signal: new AbortController().signal,
  options: { mode: 'upgrade', lock_timeout_s: 20 },
  container: contractContainer(),
  exclusions: [],
});
lockHolder.kill();
const refreshes = lockExec.recordings.filter((r) => r.argv[0] === 'sh');
if (refreshes.length < 2 || refreshes[0].exitCode !== 100 || !/Could not get lock/.test(refreshes[0].stderr))
  throw new Error(`the lists lock did not make check wait: ${JSON.stringify(refreshes.map((r) => r.exitCode))}`);
const aptVersion = execFileSync('chroot', [l, 'apt-get', '--version'], { encoding: 'utf8' }).split('\n')[0];
writeFileSync(
  new URL('../test/fixtures/lock-wait-recordings.json', import.meta.url),
  `${JSON.stringify(
    {
      source: `${aptVersion}, Debian 12 bookworm minbase debootstrapped from ${MIRROR}, sources ${BOOKWORM_ALL.length} lines (bookworm, -updates, -security); recorded ${new Date().toISOString()} with \`chroot ROOT <argv>\` on a ${host} by plugins/runner-apt/scripts/record-fixtures.mjs. The lists lock was held for 1 s by another process (python3 fcntl.lockf); options {lock_timeout_s: 20}; check ran the refresh exec ${refreshes.length} times and found ${locked.updates.length} updates.`,
      recordings: lockExec.recordings,
    },
    null,
    2,
  )}\n`,
);
removeRoot(l);
