#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder): temp projects under /tmp/unrot-npm-capture (ms / is-number
// from the public npm registry), the built runner (dist/) run detect → sources → check → plan →
// apply → check again through createLocalExec (cwd /), every command's real output kept, each
// expectation asserted while recording. Needs registry.npmjs.org.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-npm`):
//   node plugins/runner-npm/scripts/record-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';
import { installTools, makeProject, reinstallProduction, run, toolEnv } from '../test/support/projects.mjs';

const ROOT = '/tmp/unrot-npm-capture';
rmSync(ROOT, { recursive: true, force: true });
mkdirSync(ROOT, { recursive: true });
const { env, bareEnv } = toolEnv(ROOT);
installTools(ROOT, env);
const debian = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();

/** This machine, with the environment npm runs in; the tool whose version is recorded. */
const target = (tool, execEnv = env, note = '') => ({
  exec: createLocalExec({ env: execEnv, cwd: '/' }),
  where: `this machine (Debian ${debian}, Node ${process.version}), temp projects under ${ROOT}, registry.npmjs.org${note}`,
  toolVersion: [tool, '--version'],
});
const recorder = createRecorder(runner, { target: target('npm') });
const capture = ({ name, source, options = {}, exclusions = [], tool = 'npm', execEnv, note, expect }) =>
  recorder.record({ name, how: source, options, exclusions, expect }, target(tool, execEnv, note));

const webApp = join(ROOT, 'opt/web-app');
const api = join(ROOT, 'opt/api');
const yarnApp = join(ROOT, 'srv/yarn-app');
const pnpmApp = join(ROOT, 'srv/pnpm-app');
const offline = join(ROOT, 'opt/offline');
const prodApp = join(ROOT, 'opt/prod-app');
const preflightApp = join(ROOT, 'opt/preflight-app');
const proxiedApp = join(ROOT, 'opt/proxied-app');
const dev = { 'is-number': '^6.0.0' };
const pinned = { ms: '2.0.0', 'is-number': '6.0.0' };
makeProject(webApp, 'npm', env, { ms: '^2.0.0' }, { ms: '2.0.0' });
makeProject(api, 'npm', env, { ms: '^1.0.0' }, { ms: '1.0.0' });
makeProject(offline, 'npm', env, { ms: '^2.0.0' }, { ms: '2.0.0' });
makeProject(yarnApp, 'yarn', env, { ms: '^2.0.0' }, pinned, dev);
makeProject(prodApp, 'npm', env, { ms: '^2.0.0' }, pinned, dev);
reinstallProduction(prodApp, 'npm', env);
makeProject(pnpmApp, 'pnpm', env, { ms: '^2.0.0' }, pinned, dev);
makeProject(preflightApp, 'npm', env, { ms: '^2.0.0' }, { ms: '2.0.0' });
makeProject(proxiedApp, 'npm', env, { ms: '^2.0.0' }, { ms: '2.0.0' });
// Written after the install: the proxy on the closed port 9 refuses every request. npm 11 will
// not print a value holding a password with `config get`, so sources() reads `config list`.
writeFileSync(join(proxiedApp, '.npmrc'), 'https-proxy=http://unrot:s3cret@127.0.0.1:9/\nfetch-retries=0\n');
run(['npm', '-g', 'install', '--no-audit', '--no-fund', '--loglevel=error', 'ms@2.0.0', 'is-number@6.0.0'], env);

await capture({
  name: 'npm: an exclusion withholds the pending in-range update',
  source: `${webApp} declares ms ^2.0.0 with 2.0.0 installed (package-lock.json); exclusions ["m*"]`,
  options: { projects: [webApp] },
  exclusions: ['m*'],
  expect: { applicable: true, updates: 0, withheld: ['ms'] },
});
await capture({
  name: 'npm: in-range update pending in one project, a major withheld in another',
  source: `${webApp} declares ms ^2.0.0 with 2.0.0 installed, ${api} declares ms ^1.0.0 with 1.0.0 installed (2.1.3 is latest); allow_major false; apply ran npm update and npm ls`,
  options: { projects: [webApp, api] },
  expect: { applicable: true, updates: 1, withheld: ['ms'] },
});
await capture({
  name: 'npm: nothing pending after the update',
  source: `${webApp} after the previous scenario's apply (ms 2.1.3 installed, range ^2.0.0 kept)`,
  options: { projects: [`${webApp}/package.json`] },
  expect: { applicable: true, updates: 0, withheld: [] },
});
await capture({
  name: 'npm: allow_major installs the latest version',
  source: `${api} declares ms ^1.0.0 with 1.0.0 installed; allow_major true; apply ran npm install ms@2.1.3 (range rewritten to ^2.1.3) and npm ls`,
  options: { projects: [api], allow_major: true },
  expect: { applicable: true, updates: 1, withheld: [] },
});
await capture({
  name: 'npm: production install updated without its devDependencies',
  source: `${prodApp} declares ms ^2.0.0 (2.0.0) and devDependency is-number ^6.0.0, installed with npm ci --omit=dev; production true; apply ran npm update --omit=dev ms and npm ls (is-number reported missing, exit 1)`,
  options: { projects: [prodApp], production: true },
  expect: { applicable: true, updates: 1, withheld: [] },
});
await capture({
  name: 'npm: project directory missing, not applicable',
  source: `${ROOT}/opt/gone does not exist (GNU ls exits 2)`,
  options: { projects: [join(ROOT, 'opt/gone')] },
  expect: { applicable: false },
});
await capture({
  name: 'npm: registry unreachable, check fails with E_EXEC_FAILED',
  source: `${offline}; npm ran with npm_config_registry=http://127.0.0.1:9/ (closed port) and npm_config_fetch_retries=0 in its environment, so npm outdated printed its JSON error and exited 1`,
  options: { projects: [offline] },
  execEnv: { ...env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' },
  note: ' (npm_config_registry=http://127.0.0.1:9/)',
  expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
});
await capture({
  tool: 'yarn',
  name: 'yarn classic: in-range update pending, a major devDependency withheld',
  source: `${yarnApp} (yarn.lock) declares ms ^2.0.0 (2.0.0 installed) and devDependency is-number ^6.0.0 (6.0.0 installed, 7.0.0 latest); apply ran yarn upgrade ms and yarn list`,
  options: { projects: [yarnApp] },
  expect: { applicable: true, updates: 1, withheld: ['is-number'] },
});
await capture({
  tool: 'yarn',
  name: 'yarn classic: nothing in range pending after the update',
  source: `${yarnApp} after the previous scenario's apply`,
  options: { projects: [yarnApp] },
  expect: { applicable: true, updates: 0, withheld: ['is-number'] },
});
await capture({
  tool: 'pnpm',
  name: 'pnpm: in-range update pending, a major devDependency withheld',
  source: `${pnpmApp} (pnpm-lock.yaml) declares ms ^2.0.0 (2.0.0 installed) and devDependency is-number ^6.0.0 (6.0.0 installed, 7.0.0 latest); apply ran pnpm update --no-save ms and pnpm list`,
  options: { projects: [pnpmApp] },
  expect: { applicable: true, updates: 1, withheld: ['is-number'] },
});
await capture({
  tool: 'pnpm',
  name: 'pnpm: nothing in range pending after the update',
  source: `${pnpmApp} after the previous scenario's apply`,
  options: { projects: [pnpmApp] },
  expect: { applicable: true, updates: 0, withheld: ['is-number'] },
});
await capture({
  name: 'pnpm: not installed, not applicable',
  source: `${pnpmApp} with a PATH holding only node and npm: pnpm could not be spawned (ENOENT), which createLocalExec reports as exit 127 like a shell would`,
  options: { projects: [pnpmApp] },
  execEnv: bareEnv,
  note: ' (PATH with node and npm only)',
  expect: { applicable: false },
});
await capture({
  name: 'npm global: in-major update pending, a new major withheld',
  source: `npm -g packages ms 2.0.0 and is-number 6.0.0 installed under npm_config_prefix=${ROOT}/global (set in npm's environment); apply ran npm -g install ms@2.1.3 and npm ls -g`,
  options: { global: true },
  expect: { applicable: true, updates: 1, withheld: ['is-number'] },
});

await capture({
  name: 'npm: pre-flight names the default registry, then an in-range update',
  source: `${preflightApp} declares ms ^2.0.0 with 2.0.0 installed and has no .npmrc; detect, sources (npm --prefix DIR config get), check, plan, apply (npm update ms, npm ls)`,
  options: { projects: [preflightApp] },
  expect: {
    applicable: true,
    updates: 1,
    withheld: [],
    sources: [
      { host: 'registry.npmjs.org', port: 443, origin: `registry https://registry.npmjs.org/ (npm --prefix ${preflightApp} config get)` },
    ],
  },
});
await capture({
  name: 'npm: pre-flight names the proxy of .npmrc with its password hidden, then check fails as the proxy refuses',
  source: `${proxiedApp} declares ms ^2.0.0 with 2.0.0 installed; its .npmrc sets https-proxy=http://unrot:s3cret@127.0.0.1:9/ (closed port) and fetch-retries=0, written after the install; npm ran with an empty cache (npm_config_cache=${ROOT}/cold-cache in its environment: with the packuments of the install cached, npm outdated answers from the cache without a word about the proxy); npm config get refused the protected value (exit 1), so sources read npm config list; npm outdated failed through the proxy (ECONNREFUSED)`,
  options: { projects: [proxiedApp] },
  execEnv: { ...env, npm_config_cache: join(ROOT, 'cold-cache') },
  note: ' (empty npm cache)',
  expect: {
    applicable: true,
    checkErrorCode: 'E_EXEC_FAILED',
    sources: [
      {
        host: '127.0.0.1',
        port: 9,
        origin: `https-proxy http://***@127.0.0.1:9/ (npm --prefix ${proxiedApp} config list), for registry https://registry.npmjs.org/`,
      },
    ],
  },
});

recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
