#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder): a stand-in "app" under /tmp/unrot-custom-capture (shell
// scripts standing in for an app's own update tooling); the built runner (dist/) ran detect →
// check → plan → apply → check again through createLocalExec (cwd /), every command's real
// output kept, each expectation asserted while recording.
// Usage (from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-custom`):
//   node plugins/runner-custom/scripts/record-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';

const ROOT = '/tmp/unrot-custom-capture';
const APP = join(ROOT, 'opt/app');
const MARKER = join(APP, '.update-available');
const debian = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();

function script(path, body) {
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
}

rmSync(ROOT, { recursive: true, force: true });
mkdirSync(join(APP, 'bin'), { recursive: true });
mkdirSync(join(APP, 'cache'), { recursive: true });
writeFileSync(join(APP, 'VERSION'), '1.0\n');
writeFileSync(join(APP, 'cache/page.html'), 'cached\n');
writeFileSync(MARKER, '1.1\n');
script(
  join(APP, 'bin/update'),
  `new=$(cat ${MARKER})\necho "$new" > ${APP}/VERSION\nrm -f ${MARKER}\n[ "$1" = --quiet ] || echo "updated to $new"`,
);
script(join(APP, 'bin/clear-cache'), `rm -rf ${APP}/cache\nmkdir ${APP}/cache\necho "cache cleared"`);

const recorder = createRecorder(runner, {
  target: {
    exec: createLocalExec({ cwd: '/' }),
    where: `this machine (Debian ${debian}), a stand-in app under ${APP} (bin/update removes ${MARKER} and writes VERSION; bin/clear-cache empties cache/)`,
    // The runner wraps steps with a timeout in coreutils' timeout; that is the tool it leans on.
    toolVersion: ['timeout', '--version'],
  },
});
const capture = ({ source, ...scenario }) => recorder.record({ ...scenario, how: source });
function check(condition, message) {
  if (!condition) throw new Error(`record: ${message}`);
}

const refreshApp = {
  name: 'refresh-app',
  argv: [join(APP, 'bin/update'), '--quiet'],
  timeout: 300,
  only_if: ['test', '-e', MARKER],
};
const clearCache = { name: 'clear-cache', argv: [join(APP, 'bin/clear-cache')] };

await capture({
  name: 'an update is available: the gated and the ungated command are due, applied in order',
  source: `${MARKER} existed, so only_if (test -e) exited 0; apply ran bin/update under timeout -k 10 300, then bin/clear-cache`,
  options: { commands: [refreshApp, clearCache] },
  expect: { applicable: true, updates: 2, withheld: [] },
});
check(!existsSync(MARKER), 'bin/update removed the marker');

await capture({
  name: 'nothing due: only_if exits 1 after the update',
  source: `right after the previous scenario: ${MARKER} was gone, so test -e exited 1 and nothing was planned`,
  options: { commands: [refreshApp] },
  expect: { applicable: true, updates: 0, withheld: [] },
});

await capture({
  name: 'an exclusion withholds a command without running its only_if',
  source: 'exclusions ["refresh-*"]: refresh-app was withheld and its only_if not run; clear-cache (no only_if) was due and applied',
  options: { commands: [refreshApp, clearCache] },
  exclusions: ['refresh-*'],
  expect: { applicable: true, updates: 1, withheld: ['refresh-app'] },
});

await capture({
  name: 'absolute argv[0] missing: not applicable',
  source: `${APP}/bin/migrate does not exist, so test -x exited 1 during detect`,
  options: { commands: [{ name: 'migrate', argv: [join(APP, 'bin/migrate'), '--apply'] }] },
  expect: { applicable: false },
});

await capture({
  name: 'failing check: the only_if command is not found',
  source:
    'only_if names app-update-available, which is on no PATH directory: createLocalExec reported exit 127 (spawn ENOENT), as pct exec reports a missing command; check fails with E_EXEC_NOT_FOUND instead of treating it as "not due"',
  options: { commands: [{ ...refreshApp, only_if: ['app-update-available', '--check'] }] },
  expect: { applicable: true, checkErrorCode: 'E_EXEC_NOT_FOUND' },
});

recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
