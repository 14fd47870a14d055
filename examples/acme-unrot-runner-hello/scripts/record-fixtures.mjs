#!/usr/bin/env node
// Records test/fixtures/contract-scenarios.json with the SDK's recorder (@unrot/sdk/testing):
// a stand-in app under /tmp/acme-hello-capture/opt/hello on this machine (real directories and
// a real symlink, real readlink/ls/ln from coreutils); the built runner (dist/) runs detect →
// check → plan → apply → check again through createLocalExec, every command's output kept.
// Usage: npm run build && npm run record-fixtures
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';

const ROOT = '/tmp/acme-hello-capture';
const DIR = join(ROOT, 'opt/hello');
const os = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();

function release(version) {
  mkdirSync(join(DIR, 'releases', version), { recursive: true });
  writeFileSync(join(DIR, 'releases', version, 'VERSION'), `${version}\n`);
}
function pointCurrentTo(target) {
  rmSync(join(DIR, 'current'), { force: true });
  symlinkSync(target, join(DIR, 'current'));
}

rmSync(ROOT, { recursive: true, force: true });
release('1.0.0');
release('1.1.0');
writeFileSync(join(DIR, 'releases', 'NOTES.txt'), 'not a release\n');
pointCurrentTo('releases/1.0.0');

const recorder = createRecorder(runner, {
  target: {
    exec: createLocalExec({ cwd: '/' }),
    where: `this machine (Debian ${os}), a stand-in app under ${DIR}`,
    toolVersion: ['ln', '--version'],
  },
});
const options = { dir: DIR };

await recorder.record({
  name: 'a newer release is present: current is switched to it',
  how: 'releases 1.0.0 and 1.1.0 (and NOTES.txt, ignored), current -> releases/1.0.0',
  options,
  expect: { applicable: true, updates: 1, withheld: [] },
});
await recorder.record({
  name: 'current already points to the newest release: nothing pending',
  how: 'the state the previous scenario left: current -> releases/1.1.0',
  options,
  expect: { applicable: true, updates: 0, withheld: [] },
});
release('1.2.0');
await recorder.record({
  name: 'excluded by policy: 1.2.0 is withheld',
  how: 'release 1.2.0 added, current -> releases/1.1.0, exclusions [hello]',
  options,
  exclusions: ['hello'],
  expect: { applicable: true, updates: 0, withheld: ['hello'] },
});
rmSync(join(DIR, 'current'));
await recorder.record({
  name: 'no current symlink: not applicable',
  how: 'current removed',
  options,
  expect: { applicable: false },
});
pointCurrentTo('releases/1.2.0;reboot');
await recorder.record({
  name: 'current points to a release name that is not x.y.z: check refuses it',
  how: "current -> 'releases/1.2.0;reboot' (a name that must never reach argv)",
  options,
  expect: { applicable: true, checkErrorCode: 'E_RUNNER_UNSAFE_NAME' },
});
recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
rmSync(ROOT, { recursive: true, force: true });
