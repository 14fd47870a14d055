#!/usr/bin/env node
// Captures test/fixtures/contract-scenarios.json from REAL runs: it builds a small "app" under
// /tmp/unrot-custom-capture (shell scripts standing in for an app's own update tooling), runs the
// built runner (dist/) through createLocalExec, and stores every command's argv, exit code, stdout
// and stderr. Each scenario is asserted while captured, so a fixture never holds a run that behaved otherwise.
// Usage (from /work/main, after the build): node plugins/runner-custom/scripts/capture-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { silentLogger, UnrotError } from '@unrot/sdk';
import { contractContainer, createLocalExec } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';

const ROOT = '/tmp/unrot-custom-capture';
const APP = join(ROOT, 'opt/app');
const MARKER = join(APP, '.update-available');
const OUT = fileURLToPath(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);

const debian = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();
const coreutils = execFileSync('timeout', ['--version'], { encoding: 'utf8' }).split('\n')[0];
const today = new Date().toISOString().slice(0, 10);
const base = `captured ${today} on Debian ${debian} (bookworm), ${coreutils}, by plugins/runner-custom/scripts/capture-fixtures.mjs: the built runner ran real commands (createLocalExec, cwd /) against a stand-in app under ${APP} (bin/update removes ${MARKER} and writes VERSION; bin/clear-cache empties cache/)`;

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

/** Records what really ran; exit-code checking is re-done here so failures are recorded too. */
function recordingExec(inner) {
  const recordings = [];
  const wrap = (kind) => async (argv, opts) => {
    const result = await inner[kind](argv, { ...opts, okExitCodes: ALL_EXIT_CODES });
    recordings.push({ argv: [...argv], exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr });
    const ok = opts?.okExitCodes ?? [0];
    if (!ok.includes(result.exitCode)) {
      throw new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${result.exitCode}`, { argv, exitCode: result.exitCode });
    }
    return result;
  };
  return { exec: { dryRun: false, read: wrap('read'), change: wrap('change') }, recordings };
}

function check(condition, message) {
  if (!condition) throw new Error(`capture: ${message}`);
}

const scenarios = [];

/** Runs detect → check → plan → apply (as far as applicable) and stores the scenario. */
async function capture({ name, source, options, exclusions = [], expect }) {
  const { exec, recordings } = recordingExec(createLocalExec({ cwd: '/' }));
  const ctx = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(runner.optionsSchema, structuredClone(options)),
    container: contractContainer(),
    exclusions,
  };
  const detected = await runner.detect(ctx);
  check(detected.applicable === expect.applicable, `${name}: detect ${JSON.stringify(detected)}`);
  if (detected.applicable) {
    if (expect.checkErrorCode) {
      const error = await runner.check(ctx).then(
        () => undefined,
        (e) => e,
      );
      check(error?.code === expect.checkErrorCode, `${name}: check error ${error?.code} ${error?.message}`);
    } else {
      const checked = await runner.check(ctx);
      check(checked.updates.length === expect.updates, `${name}: updates ${JSON.stringify(checked.updates)}`);
      check(
        JSON.stringify(checked.withheld.map((w) => w.name).sort()) === JSON.stringify([...(expect.withheld ?? [])].sort()),
        `${name}: withheld ${JSON.stringify(checked.withheld)}`,
      );
      const plan = await runner.plan(ctx, checked);
      const applied = await runner.apply(ctx, plan);
      check(applied.changed.length === expect.updates, `${name}: changed ${JSON.stringify(applied.changed)}`);
    }
  }
  scenarios.push({ name, source: `${base}; ${source}`, options, exclusions, recordings, expect });
  console.log(`captured: ${name} (${recordings.length} commands)`);
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

writeFileSync(OUT, `${JSON.stringify(scenarios, null, 2)}\n`);
console.log(`wrote ${scenarios.length} scenarios to ${OUT}`);
