#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder): the real gem and bundle of this machine (Debian 12: apt
// ruby, ruby-bundler) against demo gems built and served on 127.0.0.1 by test/support/demo-source.mjs,
// Bundler projects and a GEM_HOME under /tmp/unrot-gem-capture. The built runner (dist/) runs
// detect → sources → check → plan → apply → check again through createLocalExec (cwd /); every
// command's real output is kept and each expectation asserted while recording.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-gem`):
//   node plugins/runner-gem/scripts/record-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';
import { buildDemoSource, serveDemoSource } from '../test/support/demo-source.mjs';
import { makeProject, rubyEnv, run } from '../test/support/ruby-env.mjs';

const ROOT = '/tmp/unrot-gem-capture';
rmSync(ROOT, { recursive: true, force: true });
mkdirSync(ROOT, { recursive: true });
buildDemoSource(join(ROOT, 'source'));
const server = await serveDemoSource(join(ROOT, 'source'));
const env = rubyEnv(ROOT, [server.url]);
const debian = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();

const target = (tool, execEnv = env, note = '') => ({
  exec: createLocalExec({ env: execEnv, cwd: '/' }),
  where: `this machine (Debian ${debian}, ${execFileSync('ruby', ['--version'], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ')}), GEM_HOME and projects under ${ROOT}, demo gem source ${server.url}${note}`,
  toolVersion: [tool, '--version'],
});
const recorder = createRecorder(runner, { target: target('bundle') });
const capture = ({ name, how, options = {}, exclusions = [], tool = 'bundle', execEnv, note, expect }) =>
  recorder.record({ name, how, options, exclusions, expect }, target(tool, execEnv, note));

const locked = (name, requirement) => ({ name, requirement, locked: '1.0.0' });
const app = await makeProject(join(ROOT, 'srv/app'), server.url, [locked('unrot-demo', '~> 1.0'), locked('unrot-pinned', '>= 1.0')], env);
const offline = await makeProject(join(ROOT, 'srv/offline'), server.url, [locked('unrot-demo', '~> 1.0')], env);
for (const file of ['Gemfile', 'Gemfile.lock']) {
  writeFileSync(join(offline, file), readFileSync(join(offline, file), 'utf8').replaceAll(server.url, 'http://127.0.0.1:9/'));
}
const conflict = await makeProject(join(ROOT, 'srv/conflict'), server.url, [locked('unrot-demo', '~> 1.0')], env);
writeFileSync(join(conflict, 'Gemfile'), `source ${JSON.stringify(server.url)}\ngem "unrot-demo", "~> 3.0"\n`);
await run(['gem', 'install', '--no-document', 'unrot-demo:1.0.0', 'unrot-pinned:1.0.0'], env);
// A PATH with ls, cat and env but no Ruby: the container without gem and bundle.
const noRuby = join(ROOT, 'no-ruby-bin');
mkdirSync(noRuby);
for (const tool of ['ls', 'cat', 'env']) symlinkSync(`/usr/bin/${tool}`, join(noRuby, tool));

await capture({
  name: 'bundler: exclusions withhold every outdated gem, nothing planned',
  how: `${app} locks unrot-demo 1.0.0 (Gemfile ~> 1.0) and unrot-pinned 1.0.0 (>= 1.0); the source has 1.1.0 and 2.0.0 / 1.1.0; exclusions ["unrot-*"]`,
  options: { projects: [app] },
  exclusions: ['unrot-*'],
  expect: { applicable: true, updates: 0, withheld: ['unrot-demo', 'unrot-pinned'] },
});
await capture({
  name: 'bundler: in-requirement update pending (1.0.0 → 1.1.0), 2.0.0 and an excluded gem withheld',
  how: `${app} as above, exclusions ["unrot-pinned"]; bundle outdated --filter-strict listed unrot-demo newest 1.1.0, without the filter newest 2.0.0; apply ran bundle update --conservative unrot-demo and read Gemfile.lock`,
  options: { projects: [app] },
  exclusions: ['unrot-pinned'],
  expect: {
    applicable: true,
    updates: 1,
    withheld: ['unrot-demo', 'unrot-pinned'],
    sources: [{ host: '127.0.0.1', port: server.port, origin: `${server.url} (GEM remote in ${app}/Gemfile.lock)` }],
  },
});
await capture({
  name: 'bundler: nothing pending after the update',
  how: `${app}/Gemfile after the previous scenario's apply (unrot-demo 1.1.0 locked, Gemfile unchanged)`,
  options: { projects: [`${app}/Gemfile`] },
  exclusions: ['unrot-pinned'],
  expect: { applicable: true, updates: 0, withheld: ['unrot-demo', 'unrot-pinned'] },
});
await capture({
  name: 'bundler: project directory missing, not applicable',
  how: `${ROOT}/srv/gone does not exist (GNU ls exits 2)`,
  options: { projects: [join(ROOT, 'srv/gone')] },
  expect: { applicable: false },
});
await capture({
  name: 'bundler: gem source unreachable, check fails with E_EXEC_FAILED',
  how: `${offline}: Gemfile and Gemfile.lock name http://127.0.0.1:9/ (a closed port); bundle outdated exited 17 "Could not fetch specs from http://127.0.0.1:9/"`,
  options: { projects: [offline] },
  expect: {
    applicable: true,
    checkErrorCode: 'E_EXEC_FAILED',
    sources: [{ host: '127.0.0.1', port: 9, origin: `http://127.0.0.1:9/ (GEM remote in ${offline}/Gemfile.lock)` }],
  },
});
await capture({
  name: 'bundler: a Gemfile requirement no version satisfies, check fails with E_EXEC_FAILED',
  how: `${conflict}: the Gemfile asks for unrot-demo ~> 3.0, the lock has 1.0.0 and the source has no 3.x; bundle outdated failed with Bundler's resolver message`,
  options: { projects: [conflict] },
  expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
});
await capture({
  name: 'bundler: bundle not installed, not applicable',
  how: `${app} with PATH=${noRuby} (ls, cat and env only): bundle --version could not start (exit 127)`,
  options: { projects: [app] },
  execEnv: { ...env, PATH: noRuby },
  tool: 'ls',
  note: ` (PATH=${noRuby}: no Ruby)`,
  expect: { applicable: false },
});
await capture({
  tool: 'gem',
  name: 'system gems: update within the major (1.0.0 → 1.1.0), new major and an excluded gem withheld',
  how: `unrot-demo 1.0.0 and unrot-pinned 1.0.0 installed with gem install into GEM_HOME=${env.GEM_HOME}; gem outdated listed unrot-demo (1.0.0 < 2.0.0), gem list --remote found 1.1.0 in the major; exclusions ["unrot-pinned"]; apply ran gem install --no-document unrot-demo:1.1.0 and gem list --local`,
  options: { system: true },
  exclusions: ['unrot-pinned'],
  expect: {
    applicable: true,
    updates: 1,
    withheld: ['unrot-demo', 'unrot-pinned'],
    sources: [{ host: '127.0.0.1', port: server.port, origin: `gem source ${server.url} (gem sources --list)` }],
  },
});
await capture({
  tool: 'gem',
  name: 'system gems: allow_major installs the newest version (1.1.0 → 2.0.0)',
  how: `after the previous scenario (unrot-demo 1.1.0 and 1.0.0 installed); allow_major true; apply ran gem install --no-document unrot-demo:2.0.0`,
  options: { system: true, allow_major: true },
  exclusions: ['unrot-pinned'],
  expect: { applicable: true, updates: 1, withheld: ['unrot-pinned'] },
});
await capture({
  tool: 'gem',
  name: 'system gems: nothing pending',
  how: 'after the previous scenario: unrot-demo 2.0.0 is the newest; unrot-pinned still excluded',
  options: { system: true },
  exclusions: ['unrot-pinned'],
  expect: { applicable: true, updates: 0, withheld: ['unrot-pinned'] },
});
const offlineGemrc = join(ROOT, 'gemrc-offline');
writeFileSync(offlineGemrc, '---\n:sources:\n- http://127.0.0.1:9/\n');
await capture({
  tool: 'gem',
  name: 'system gems: gem source unreachable, check fails with E_EXEC_FAILED',
  how: `GEMRC=${offlineGemrc} names http://127.0.0.1:9/ (a closed port) as the only source: gem outdated --debug exited 0 with no list, its stderr held Gem::RemoteFetcher::FetchError ECONNREFUSED`,
  options: { system: true },
  execEnv: { ...env, GEMRC: offlineGemrc },
  note: ` (GEMRC=${offlineGemrc})`,
  expect: {
    applicable: true,
    checkErrorCode: 'E_EXEC_FAILED',
    sources: [{ host: '127.0.0.1', port: 9, origin: 'gem source http://127.0.0.1:9/ (gem sources --list)' }],
  },
});

recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
await server.close();
