#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder) against the real go of this machine (Debian 12 golang-go)
// and the demo module proxy of test/support/demo-source.mjs, served by this script on an
// ephemeral 127.0.0.1 port. GOPATH, caches, HOME and GOENV live under /tmp/unrot-go-capture.
// The built runner (dist/) runs detect → sources → check → plan → apply → check again through
// createLocalExec (cwd /); every command's real output is kept and each expectation asserted.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-go`):
//   node plugins/runner-go/scripts/record-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';
import { buildDemoSource, serveDemoSource } from '../test/support/demo-source.mjs';
import { goEnv, goInstall } from '../test/support/go-env.mjs';

const ROOT = '/tmp/unrot-go-capture';
if (existsSync(ROOT)) execFileSync('chmod', ['-R', 'u+w', ROOT]);
rmSync(ROOT, { recursive: true, force: true });
mkdirSync(ROOT, { recursive: true });
const proxyDir = join(ROOT, 'proxy');
buildDemoSource(proxyDir);
const served = await serveDemoSource(proxyDir, 0);
const env = goEnv(ROOT, served.url);
const bin = join(env.GOPATH, 'bin');
const other = join(ROOT, 'other-bin');
await goInstall(env, bin, 'example.test/hello@v1.0.0');
await goInstall(env, bin, 'example.test/stay/cmd/stay@v1.0.0');
const legacyBin = join(ROOT, 'legacy-bin');
await goInstall(env, legacyBin, 'example.test/legacy@v2.0.0+incompatible');
// A binary built from a checkout ((devel)) and a renamed copy of stay: both must be withheld.
const develSrc = join(ROOT, 'devel-src');
mkdirSync(develSrc);
writeFileSync(join(develSrc, 'go.mod'), 'module example.test/devel\n\ngo 1.18\n');
writeFileSync(join(develSrc, 'main.go'), 'package main\n\nfunc main() {}\n');
execFileSync('go', ['build', '-o', join(other, 'devel'), '.'], { cwd: develSrc, env });
execFileSync('cp', [join(bin, 'stay'), join(other, 'stay-old')]);
const debian = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();

const target = (extra = {}, note = '') => ({
  exec: createLocalExec({ env: { ...env, ...extra }, cwd: '/' }),
  where: `this machine (Debian ${debian}, golang-go), GOPATH/caches under ${ROOT}, demo module proxy ${served.url} (GONOSUMDB=example.test, GOFLAGS=-mod=mod)${note}`,
  toolVersion: ['go', 'version'],
});
const recorder = createRecorder(runner, { target: target() });
const capture = ({ name, how, options = {}, exclusions = [], extra, note, expect }) =>
  recorder.record({ name, how, options, exclusions, expect }, target(extra, note));

await capture({
  name: 'go: pre-flight, then hello v1.0.0 → v1.1.0 with stay excluded and the v2 major withheld',
  how: `${bin} holds hello (example.test/hello v1.0.0) and stay (example.test/stay/cmd/stay v1.0.0); the proxy lists hello v1.1.0, example.test/hello/v2 v2.0.0 and stay v1.1.0; exclusions ["example.test/st*"]; sources() read GOPROXY with go env -json`,
  options: {},
  exclusions: ['example.test/st*'],
  expect: {
    applicable: true,
    updates: 1,
    withheld: ['example.test/hello', 'example.test/stay/cmd/stay'],
    sources: [{ host: '127.0.0.1', port: served.port, origin: `GOPROXY ${served.url} (go env, read with go env -json)` }],
  },
});
await capture({
  name: 'go: nothing pending after the update (no-op re-run)',
  how: `${bin} after the previous scenario (hello v1.1.0); same exclusion; only the withheld major and the excluded stay remain`,
  options: { binaries: [bin] },
  exclusions: ['example.test/st*'],
  expect: { applicable: true, updates: 0, withheld: ['example.test/hello', 'example.test/stay/cmd/stay'] },
});
await capture({
  name: 'go: an exclusion by binary name withholds stay',
  how: `${bin}/stay at v1.0.0 with v1.1.0 on the proxy; exclusions ["stay"] (the binary's file name)`,
  options: { binaries: [join(bin, 'stay')] },
  exclusions: ['stay'],
  expect: { applicable: true, updates: 0, withheld: ['example.test/stay/cmd/stay'] },
});
await capture({
  name: 'go: stay v1.0.0 → v1.1.0 under GOFLAGS=-mod=vendor',
  how: `${bin}/stay at v1.0.0; the container's GOFLAGS=-mod=vendor (a plain go list -m / go install @version then fails with "cannot query module due to -mod=vendor"; the runner's -mod=mod overrides it)`,
  options: { binaries: [join(bin, 'stay')] },
  extra: { GOFLAGS: '-mod=vendor' },
  note: ', GOFLAGS=-mod=vendor',
  expect: { applicable: true, updates: 1, withheld: [] },
});
await capture({
  name: 'go: allow_major installs example.test/hello/v2 over the same binary',
  how: `${bin}/hello at v1.1.0; allow_major true; example.test/hello/v2 v2.0.0 on the proxy; apply ran env GOBIN=${bin} go install -mod=mod example.test/hello/v2@v2.0.0`,
  options: { binaries: [join(bin, 'hello')], allow_major: true },
  expect: { applicable: true, updates: 1, withheld: [] },
});
await capture({
  name: 'go: a module without go.mod stays in its major (v2.0.0+incompatible → v2.1.0+incompatible, v3 withheld)',
  how: `${legacyBin}/legacy is example.test/legacy v2.0.0+incompatible (no go.mod); the proxy lists v2.1.0+incompatible and v3.0.0+incompatible; go list -m M@latest said v3.0.0+incompatible, M@v2 said v2.1.0+incompatible`,
  options: { binaries: [legacyBin] },
  expect: { applicable: true, updates: 1, withheld: ['example.test/legacy'] },
});
await capture({
  name: 'go: binaries built from a checkout ((devel)) or renamed are withheld',
  how: `${other} holds devel (go build in a local module: version (devel)) and stay-old (a copy of stay v1.0.0 under another name)`,
  options: { binaries: [other] },
  expect: { applicable: true, updates: 0, withheld: ['example.test/devel', 'example.test/stay/cmd/stay'] },
});
await capture({
  name: 'go: go absent',
  how: 'options.go names /usr/lib/go-absent/bin/go, which does not exist (exit 127)',
  options: { go: '/usr/lib/go-absent/bin/go' },
  expect: { applicable: false },
});
await capture({
  name: 'go: failing check, the module proxy refuses connections',
  how: `GOPROXY=http://127.0.0.1:9 (a closed port), hello is at example.test/hello/v2 by now: go list -m -json example.test/hello/v2@latest said "connect: connection refused"`,
  options: { binaries: [bin] },
  extra: { GOPROXY: 'http://127.0.0.1:9' },
  note: ', GOPROXY=http://127.0.0.1:9',
  expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
});
await capture({
  name: 'go: pre-flight with GOPRIVATE, the module host is fetched directly and does not answer',
  how: "GOPRIVATE=example.test (so GONOPROXY=example.test): go fetches https://example.test directly, which does not resolve; check fails with go's words",
  options: { binaries: [join(bin, 'stay')] },
  extra: { GOPRIVATE: 'example.test' },
  note: ', GOPRIVATE=example.test',
  expect: {
    applicable: true,
    checkErrorCode: 'E_EXEC_FAILED',
    sources: [
      {
        host: 'example.test',
        port: 443,
        origin: 'direct fetch of example.test/stay, matched by GONOPROXY=example.test (go env, read with go env -json)',
      },
    ],
  },
});

recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
await served.close();
console.log(`recorded into ${new URL('../test/fixtures/contract-scenarios.json', import.meta.url).pathname}`);
