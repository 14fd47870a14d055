#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder) with the REAL Composer of this machine (Debian 12's
// composer 2.5.5, php8.2-cli) in temp projects under /tmp/unrot-composer-capture, whose only
// repository is the static Composer repository of test/support/demo-source.mjs served on
// 127.0.0.1 (ephemeral port) by this script. The built runner (dist/) ran detect → sources →
// check → plan → apply → check again through createLocalExec (cwd /). Expectations are written
// from what the repository holds, not from the runner; the recorder stops when they disagree.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-composer`):
//   node plugins/runner-composer/scripts/record-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';
import { buildDemoSource, serveDemoSource } from '../test/support/demo-source.mjs';
import { composerEnv, makeProject } from '../test/support/projects.mjs';

const ROOT = '/tmp/unrot-composer-capture';
rmSync(ROOT, { recursive: true, force: true });
mkdirSync(ROOT, { recursive: true });
const env = composerEnv(ROOT);
const debian = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();
const php = execFileSync('php', ['-r', 'echo PHP_VERSION;'], { encoding: 'utf8' }).trim();

const source = await serveDemoSource(join(ROOT, 'repo'));
buildDemoSource(join(ROOT, 'repo'), source.url);
const gone = await serveDemoSource(join(ROOT, 'repo-gone'));
buildDemoSource(join(ROOT, 'repo-gone'), gone.url);
const repoHow = `static Composer repository (test/support/demo-source.mjs) on ${source.url}: acme/demo-lib 1.0.0, 1.1.0, 2.0.0; acme/other-lib 1.0.0, 1.1.0; acme/legacy-user 1.0.0, 1.1.0 (requires acme/demo-lib ^1.0); acme/marker-plugin 1.0.0 (a composer-plugin); packagist.org disabled`;

const target = (execEnv = env, note = '') => ({
  exec: createLocalExec({ env: execEnv, cwd: '/' }),
  where: `this machine (Debian ${debian}, PHP ${php}, root), temp projects under ${ROOT}, HOME/COMPOSER_HOME/COMPOSER_CACHE_DIR there${note}`,
  toolVersion: ['composer', '--version'],
});
const recorder = createRecorder(runner, { target: target() });
const capture = ({ name, how, options = {}, exclusions = [], execEnv, note, expect }) =>
  recorder.record({ name, how: `${repoHow}. ${how}`, options, exclusions, expect }, target(execEnv, note));

const webApp = join(ROOT, 'opt/web-app');
const api = join(ROOT, 'opt/api');
const devApp = join(ROOT, 'opt/dev-app');
const offline = join(ROOT, 'opt/offline');
const bare = join(ROOT, 'opt/not-installed');
const pins = { 'acme/demo-lib': '1.0.0', 'acme/other-lib': '1.0.0' };
await makeProject(webApp, source.url, env, { 'acme/demo-lib': '^1.0', 'acme/other-lib': '^1.0' }, pins);
await makeProject(api, source.url, env, { 'acme/demo-lib': '^1.0' }, { 'acme/demo-lib': '1.0.0' });
await makeProject(
  devApp,
  source.url,
  env,
  { 'acme/demo-lib': '^1.0' },
  { 'acme/demo-lib': '1.0.0' },
  {},
  {
    constraints: { 'acme/other-lib': '^1.0' },
    installed: { 'acme/other-lib': '1.0.0' },
  },
);
await makeProject(bare, source.url, env, { 'acme/demo-lib': '^1.0' }, { 'acme/demo-lib': '1.0.0' });
rmSync(join(bare, 'vendor'), { recursive: true });
await makeProject(offline, gone.url, env, { 'acme/demo-lib': '^1.0' }, { 'acme/demo-lib': '1.0.0' });
await gone.close();
const noComposerBin = join(ROOT, 'no-composer-bin');
mkdirSync(noComposerBin);
for (const tool of ['/bin/ls', '/bin/cat', '/usr/bin/env']) symlinkSync(tool, join(noComposerBin, tool.split('/').pop()));
const port = Number(new URL(source.url).port);

await capture({
  name: 'in-constraint update applied, an exclusion withheld, the major withheld',
  how: `${webApp} requires acme/demo-lib ^1.0 and acme/other-lib ^1.0, both 1.0.0 installed; exclusions ["acme/other-*"]; composer update --dry-run moved demo-lib to 1.1.0, outdated named 2.0.0 as latest; apply ran composer update acme/demo-lib and composer show`,
  options: { projects: [webApp] },
  exclusions: ['acme/other-*'],
  expect: {
    applicable: true,
    updates: 1,
    withheld: ['acme/other-lib', 'acme/demo-lib'],
    sources: [
      { host: '127.0.0.1', port, origin: `repository 0 (composer) ${source.url} (composer --working-dir=${webApp} config repositories)` },
    ],
  },
});
await capture({
  name: 'nothing pending within the constraints after the update',
  how: `${webApp} right after the previous scenario (demo-lib 1.1.0, other-lib 1.0.0, same exclusion)`,
  options: { projects: [webApp] },
  exclusions: ['acme/other-*'],
  expect: { applicable: true, updates: 0, withheld: ['acme/other-lib', 'acme/demo-lib'] },
});
await capture({
  name: 'allow_major requires the latest version, require-dev kept apart',
  how: `${devApp} requires acme/demo-lib ^1.0 (1.0.0) and, in require-dev, acme/other-lib ^1.0 (1.0.0); allow_major true; apply ran composer require acme/demo-lib:^2.0.0 and composer require --dev acme/other-lib:^1.1.0`,
  options: { projects: [devApp], allow_major: true },
  expect: { applicable: true, updates: 2, withheld: [] },
});
await capture({
  name: 'allow_major with scripts and plugins enabled',
  how: `${api} requires acme/demo-lib ^1.0 (1.0.0); allow_major, scripts and plugins true (no --no-scripts/--no-plugins in apply's argv)`,
  options: { projects: [api], allow_major: true, scripts: true, plugins: true },
  expect: { applicable: true, updates: 1, withheld: [] },
});
await capture({
  name: 'project directory missing, not applicable',
  how: `${ROOT}/opt/gone does not exist (GNU ls exits 2)`,
  options: { projects: [join(ROOT, 'opt/gone')] },
  expect: { applicable: false },
});
await capture({
  name: 'composer not installed, not applicable',
  how: `${webApp} with PATH=${noComposerBin} (ls, cat and env only): env exited 127 for composer`,
  options: { projects: [webApp] },
  execEnv: { ...env, PATH: noComposerBin },
  note: ` (PATH=${noComposerBin}, no composer)`,
  expect: { applicable: false },
});
await capture({
  name: 'repository unreachable, check fails with E_EXEC_FAILED',
  how: `${offline} was installed from ${gone.url}, which was then stopped; Composer answered from its warm cache with "could not be fully loaded" on stderr (exit 0)`,
  options: { projects: [offline] },
  expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
});
await capture({
  name: 'repository unreachable with a cold cache, check fails with E_EXEC_FAILED',
  how: `${offline} as above with COMPOSER_CACHE_DIR=${ROOT}/cold-cache (empty): composer outdated failed with "Connection refused" (exit 1)`,
  options: { projects: [offline] },
  execEnv: { ...env, COMPOSER_CACHE_DIR: join(ROOT, 'cold-cache') },
  note: ' (empty COMPOSER_CACHE_DIR)',
  expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
});
await capture({
  name: 'vendor/ missing, check fails with E_RUNNER_NOT_APPLICABLE',
  how: `${bare} has composer.json and composer.lock but vendor/ was deleted: composer outdated printed [] and "No dependencies installed" (exit 0)`,
  options: { projects: [bare] },
  expect: { applicable: true, checkErrorCode: 'E_RUNNER_NOT_APPLICABLE' },
});

await source.close();
recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
