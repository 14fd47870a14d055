#!/usr/bin/env node
// A no-op re-run of one real apt container of the sandbox against the raw check commands.
// Usage (root, a sandbox that is up, after the build):
//   UNROT_SANDBOX_ROOT=/var/lib/unrot-sandbox-bench [UNROT_SANDBOX_*_PORT=…] node bench/noop.mjs [--ct 101] [--runs 5] [--json]
// Goal (issue 16): unrot ≤ 1.2 × the raw check's wall time, ≤ 3 execs into the container, 0 snapshots, 0 restarts.
//
// raw check: `pct exec CT -- env LC_ALL=C apt-get update -q` + `pct exec CT -- env LC_ALL=C apt list --upgradable`
// unrot:     `unrot run --ct CT --json` with a config of its own: only `runners.os: apt` for CT,
//            snapshot backups, the network pre-flight on (the defaults), state in a temp directory.
// Every host-tool call is counted by a `pct` shim put first on PATH (it logs the sub-command and
// the vmid, then execs the sandbox's pct): `pct exec` lines are the round trips into the container.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const unrotBin = join(repo, 'packages/cli/bin/run.js');
const sandboxBin = join(repo, 'packages/sandbox/bin');
const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const ct = Number(flag('--ct', '101'));
const runs = Number(flag('--runs', '5'));
const asJson = args.includes('--json');

// The bench reads its own environment (turbo never runs it, so none of this is a task input).
const hostEnv = process.env;
const root = hostEnv['UNROT_SANDBOX_ROOT'];
if (!root) {
  console.error('UNROT_SANDBOX_ROOT must name the sandbox to measure (docs/sandbox.md; bench/README.md)');
  process.exit(2);
}
const sandboxConfig = join(root, 'unrot-config', 'global.yml');
if (!existsSync(sandboxConfig)) {
  console.error(`${sandboxConfig} is missing: bring the sandbox up first (unrot-sandbox up with the same environment)`);
  process.exit(2);
}
if (!Number.isInteger(ct) || ct < 100 || !Number.isInteger(runs) || runs < 1) {
  console.error('--ct is a vmid (≥ 100), --runs a positive integer');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'unrot-bench-noop-'));
const calls = join(work, 'calls.log');
const shimDir = join(work, 'bin');
mkdirSync(shimDir);
// Sub-command and vmid only: exec's argv holds whole scripts. pvesh and pvesm calls are counted
// as `pvesh-get`, `pvesm-status` (the listing, the backup storage's room).
for (const [tool, prefix] of [
  ['pct', ''],
  ['pvesh', 'pvesh-'],
  ['pvesm', 'pvesm-'],
]) {
  writeFileSync(
    join(shimDir, tool),
    `#!/bin/sh\nprintf '${prefix}%s %s\\n' "$1" "$2" >> '${calls}'\nexec '${join(sandboxBin, tool)}' "$@"\n`,
  );
  chmodSync(join(shimDir, tool), 0o755);
}

const node = /^node:\s*(\S+)/m.exec(readFileSync(sandboxConfig, 'utf8'))?.[1];
const config = join(work, 'config');
mkdirSync(join(config, 'containers'), { recursive: true });
writeFileSync(
  join(config, 'global.yml'),
  [
    ...(node ? [`node: ${node}`] : []),
    `state_dir: ${join(work, 'state')}`,
    'defaults:',
    '  runners:',
    '    os: apt',
    'targets:',
    `  allow: [${ct}]`,
    // Starts wait while the host's load is above max_load (default 4 × CPUs): on a shared
    // development machine that can be all the time, and the wait is not the path measured here.
    'preflight:',
    '  max_load: 100000',
    '',
  ].join('\n'),
);
writeFileSync(join(config, 'containers', `${ct}.yml`), 'runners:\n  os: apt\n');

const env = {
  ...process.env,
  UNROT_HOST_TOOL_ENV: hostEnv['UNROT_HOST_TOOL_ENV'] ?? 'UNROT_SANDBOX_*',
  PATH: `${shimDir}:${sandboxBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
  // unrot's run lock is host-wide; a sandbox of its own needs no other run to wait (drills do the same).
  UNROT_LOCK_DIR: hostEnv['UNROT_LOCK_DIR'] ?? join(work, 'locks'),
};

function timed(file, argv, ok = [0]) {
  const startedAt = Date.now();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!ok.includes(r.status ?? -1))
    throw new Error(`${[file, ...argv].join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`.slice(0, 2000));
  return { ms, stdout: r.stdout, startedAt, endedAt: startedAt + ms };
}

/**
 * Where one run's wall time went, from the timestamps of its own logs (host.jsonl, ct-CT.jsonl;
 * millisecond ISO times): start-up (process start to `run start`: CLI, config, plugins), targets
 * (listing, locks, the worker thread) up to the first step, each step, then the report and exit.
 */
function phasesOf(runId, run) {
  const dir = join(work, 'state', 'runs', runId);
  const lines = (file) =>
    existsSync(join(dir, file))
      ? readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
  const at = (entry) => (entry ? Date.parse(entry.time) : Number.NaN);
  const host = lines('host.jsonl');
  const steps = lines(`ct-${ct}.jsonl`);
  const runStart = at(host.find((e) => e.msg === 'run start'));
  const firstStep = at(steps.find((e) => e.msg === 'step start'));
  const finished = at(steps.find((e) => e.msg === 'container finished'));
  const phases = { startup: runStart - run.startedAt, targets: firstStep - runStart };
  for (const e of steps.filter((x) => x.msg === 'step end')) {
    const name = e.runner ? `${e.step}:${e.runner}` : e.step;
    phases[name] = (phases[name] ?? 0) + e.durationMs;
  }
  phases.between =
    finished -
    firstStep -
    Object.values(phases)
      .slice(2)
      .reduce((a, b) => a + b, 0);
  phases.finish = run.endedAt - finished;
  return phases;
}

/** The host calls since the last look, by sub-command. */
let seen = 0;
function newCalls() {
  const lines = existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [];
  const fresh = lines.slice(seen);
  seen = lines.length;
  const by = {};
  for (const l of fresh) by[l.split(' ')[0]] = (by[l.split(' ')[0]] ?? 0) + 1;
  return by;
}

function rawCheck() {
  const update = timed('pct', ['exec', String(ct), '--', 'env', 'LC_ALL=C', 'apt-get', 'update', '-q']);
  const list = timed('pct', ['exec', String(ct), '--', 'env', 'LC_ALL=C', 'apt', 'list', '--upgradable']);
  const upgradable = list.stdout.split('\n').filter((l) => l.includes('[upgradable from:'));
  return { ms: update.ms + list.ms, upgradable, calls: newCalls() };
}

function unrotRun() {
  // Exit 0: the container had nothing to do (docs/exit-codes.md).
  const r = timed(process.execPath, [unrotBin, 'run', '--ct', String(ct), '--json', '--config', config]);
  const report = JSON.parse(r.stdout);
  const c = report.containers.find((x) => x.vmid === ct);
  return {
    ms: r.ms,
    phases: phasesOf(report.runId, r),
    outcome: c?.outcome,
    snapshots: c?.backup ? 1 : 0,
    // A restart that ran: not planned (dry-run) and not skipped (e.g. nothing changed).
    restarts:
      c?.restart && !c.restart.planned && !c.restart.skipped
        ? c.restart.units.length + (c.restart.processes?.length ?? 0) + (c.restart.compose?.length ?? 0)
        : 0,
    calls: newCalls(),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  const load = loadavg()[0];
  // Warm-up: whatever is pending is applied once (then nothing is), and the page cache is warm for both sides.
  const first = unrotRun();
  const warm = rawCheck();
  if (warm.upgradable.length > 0) throw new Error(`still upgradable after the warm-up run: ${warm.upgradable.join('; ')}`);
  const raw = [];
  const ours = [];
  for (let i = 0; i < runs; i++) {
    raw.push(rawCheck());
    ours.push(unrotRun());
  }
  const bad = ours.filter((o) => o.outcome !== 'nothing-to-do');
  if (bad.length > 0) throw new Error(`a re-run was not a no-op: ${JSON.stringify(bad)}`);
  const rawMs = median(raw.map((r) => r.ms));
  const unrotMs = median(ours.map((o) => o.ms));
  const result = {
    ct,
    runs,
    cpus: cpus().length,
    load1AtStart: load,
    warmup: { outcome: first.outcome },
    raw: { medianMs: rawMs, pctExecs: raw[0]?.calls.exec ?? 0 },
    unrot: {
      medianMs: unrotMs,
      pctExecs: median(ours.map((o) => o.calls.exec ?? 0)),
      hostCalls: ours[0]?.calls,
      snapshots: ours.reduce((n, o) => n + o.snapshots + (o.calls.snapshot ?? 0), 0),
      restarts: ours.reduce((n, o) => n + o.restarts + (o.calls.reboot ?? 0) + (o.calls.stop ?? 0), 0),
    },
    ratio: unrotMs / rawMs,
    // Median of each phase over the runs (ms); they add up to about the median run.
    phases: Object.fromEntries(Object.keys(ours[0]?.phases ?? {}).map((k) => [k, Math.round(median(ours.map((o) => o.phases[k] ?? 0)))])),
  };
  if (asJson) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`no-op re-run of CT ${ct} (${runs} runs after one warm-up; ${result.cpus} CPUs, load ${load.toFixed(2)} at start)`);
    console.log(`  raw check (apt-get update + apt list --upgradable): median ${rawMs.toFixed(0)} ms, ${result.raw.pctExecs} pct exec`);
    console.log(
      `  unrot run --ct ${ct}: median ${unrotMs.toFixed(0)} ms, ${result.unrot.pctExecs} pct exec; host calls per run ${JSON.stringify(result.unrot.hostCalls)}`,
    );
    console.log(
      `  where unrot's time went (median ms): ${Object.entries(result.phases)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    console.log(
      `  ratio ${result.ratio.toFixed(2)} (goal ≤ 1.2), execs ${result.unrot.pctExecs} (goal ≤ 3), snapshots ${result.unrot.snapshots} (goal 0), restarts ${result.unrot.restarts} (goal 0)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
