#!/usr/bin/env node
// Cold start-up of the CLI against the floor of starting Node itself, without and with installed plugins.
// Usage: node bench/startup.mjs [--runs N] [--plugins N] [--json]
// Goal (issue 16, goal 3): `unrot --version` and `unrot plan --help` within 100 ms of `node -e 0`
// (medians) with every bundled plugin, and not growing with the number of installed plugins.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GOAL_MS = 100;
// "Not growing": with the plugins installed, each goal command's median stays within this of its
// median without them (the spread of medians on a quiet 2-vCPU machine is a few ms).
const GROWTH_TOLERANCE_MS = 10;

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'packages/cli/bin/run.js');
const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const runs = flag('--runs', 15);
const pluginCount = flag('--plugins', 20);
const asJson = args.includes('--json');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
if (!Number.isInteger(pluginCount) || pluginCount < 0) throw new Error('--plugins takes an integer ≥ 0');
const say = (line) => process.stderr.write(`${line}\n`);

const cases = [
  { name: 'node -e 0 (floor)', argv: ['-e', '0'] },
  { name: 'unrot --version', argv: [bin, '--version'], goal: true },
  { name: 'unrot plan --help', argv: [bin, 'plan', '--help'], goal: true },
  // Not a goal: root help lists every plugin's commands, so it loads every plugin (for contrast).
  { name: 'unrot --help', argv: [bin, '--help'] },
];

// oclif's directories, so nothing touches the user's installed plugins: one set without plugins
// installed, one with the dummies.
const work = mkdtempSync(join(tmpdir(), 'unrot-bench-startup-'));
const oclifDirs = (name) => ({
  UNROT_DATA_DIR: join(work, name, 'data'),
  UNROT_CONFIG_DIR: join(work, name, 'config'),
  UNROT_CACHE_DIR: join(work, name, 'cache'),
});
const setups = [{ label: 'no plugins installed', installed: 0, env: { ...process.env, ...oclifDirs('none') } }];

/**
 * N dummy plugins, installed as a user installs one (`unrot plugins install`, from local
 * tarballs). Each has one oclif command and no oclif.manifest.json: the costliest kind of plugin
 * for oclif to load (it globs the commands directory and imports the command at every load).
 */
function installDummies(count, env) {
  const src = join(work, 'dummy-src');
  const packed = join(work, 'dummy-packed');
  mkdirSync(packed, { recursive: true });
  const dirs = [];
  for (let i = 1; i <= count; i++) {
    const dir = join(src, `unrot-bench-dummy-${i}`);
    mkdirSync(join(dir, 'dist', 'commands'), { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: `unrot-bench-dummy-${i}`,
        version: '1.0.0',
        type: 'module',
        keywords: ['oclif-plugin', 'unrot-plugin'],
        oclif: { commands: './dist/commands' },
      }),
    );
    writeFileSync(
      join(dir, 'dist', 'commands', `dummy-${i}.js`),
      `export default class Dummy${i} { static summary = 'Bench dummy ${i}.'; static flags = {}; static args = {}; static async run() {} }\n`,
    );
    dirs.push(dir);
  }
  execFileSync('npm', ['pack', '--silent', '--pack-destination', packed, ...dirs], { stdio: 'ignore' });
  const tarballs = readdirSync(packed).map((f) => `file:${join(packed, f)}`);
  const r = spawnSync(process.execPath, [bin, 'plugins', 'install', ...tarballs], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unrot plugins install exited ${r.status}: ${r.stderr}`);
  const listed = spawnSync(process.execPath, [bin, 'plugins'], { env, encoding: 'utf8' }).stdout;
  const found = listed.match(/unrot-bench-dummy-\d+/g) ?? [];
  if (found.length !== count) throw new Error(`unrot plugins lists ${found.length} of the ${count} dummies:\n${listed}`);
}

if (pluginCount > 0) {
  const env = { ...process.env, ...oclifDirs('dummies') };
  say(`installing ${pluginCount} dummy plugins with \`unrot plugins install\` into ${env.UNROT_DATA_DIR} …`);
  installDummies(pluginCount, env);
  setups.push({ label: `${pluginCount} dummy plugins installed`, installed: pluginCount, env });
}

/** CPU time (user + system, ms) of this process's waited-for children, from /proc; null elsewhere. */
function childCpuMs() {
  if (!existsSync('/proc/self/stat')) return null;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in USER_HZ (100)
}

function time(argv, env) {
  const cpu0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wallMs, cpuMs: cpu0 === null ? null : childCpuMs() - cpu0 };
}

/** How many plugins oclif loaded (distinct roots), in its own debug words ("loading core|user|link plugin from …"). */
function pluginsLoaded(argv, env) {
  if (argv[0] === '-e') return null;
  const r = spawnSync(process.execPath, argv, { env: { ...env, DEBUG: 'oclif:config*' }, encoding: 'utf8' });
  return new Set(r.stderr.match(/(?<=loading (core|user|link|dev) plugin from ).*/g) ?? []).size;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const loadAtStart = loadavg();
for (const setup of setups) for (const c of cases) time(c.argv, setup.env); // warm the file-system cache
// Round-robin over every command and setup, so a change of load hits all of them alike.
const samples = setups.map(() => cases.map(() => ({ wall: [], cpu: [] })));
for (let i = 0; i < runs; i++) {
  setups.forEach((setup, s) => {
    cases.forEach((c, k) => {
      const t = time(c.argv, setup.env);
      samples[s][k].wall.push(t.wallMs);
      if (t.cpuMs !== null) samples[s][k].cpu.push(t.cpuMs);
    });
  });
}
const loadAtEnd = loadavg();

const results = setups.map((setup, s) => {
  const rows = cases.map((c, k) => {
    const { wall, cpu } = samples[s][k];
    return {
      name: c.name,
      goal: Boolean(c.goal),
      medianMs: median(wall),
      minMs: Math.min(...wall),
      maxMs: Math.max(...wall),
      // Mean, not median: /proc counts CPU time in 10 ms ticks.
      cpuMeanMs: cpu.length ? cpu.reduce((a, b) => a + b, 0) / cpu.length : null,
      pluginsLoaded: pluginsLoaded(c.argv, setup.env),
    };
  });
  for (const r of rows) {
    r.overFloorMs = r.medianMs - rows[0].medianMs;
    r.cpuOverFloorMs = r.cpuMeanMs === null ? null : r.cpuMeanMs - rows[0].cpuMeanMs;
  }
  return { setup: setup.label, installedPlugins: setup.installed, rows };
});

const goalRows = results.flatMap((r) => r.rows.filter((row) => row.goal));
const worstOverFloor = Math.max(...goalRows.map((r) => r.overFloorMs));
const withinGoal = worstOverFloor <= GOAL_MS;
// Not growing: the same plugins loaded with the dummies installed as without (exact, whatever the
// load), and the medians within the tolerance (timing, which a busy machine blurs).
const growth =
  results.length > 1
    ? results[0].rows
        .map((row, k) => ({
          name: row.name,
          goal: row.goal,
          deltaMs: results[1].rows[k].overFloorMs - row.overFloorMs,
          pluginsLoaded: [row.pluginsLoaded, results[1].rows[k].pluginsLoaded],
        }))
        .filter((g) => g.goal)
    : [];
const samePlugins = growth.every((g) => g.pluginsLoaded[0] === g.pluginsLoaded[1]);
const notGrowing = samePlugins && growth.every((g) => g.deltaMs <= GROWTH_TOLERANCE_MS);
rmSync(work, { recursive: true, force: true });

const machine = {
  node: process.version,
  cpus: availableParallelism(),
  loadAverageAtStart: loadAtStart.map((l) => Number(l.toFixed(2))),
  loadAverageAtEnd: loadAtEnd.map((l) => Number(l.toFixed(2))),
};
if (asJson) {
  console.log(
    JSON.stringify(
      { machine, runs, goalMs: GOAL_MS, growthToleranceMs: GROWTH_TOLERANCE_MS, results, growth, withinGoal, samePlugins, notGrowing },
      null,
      2,
    ),
  );
} else {
  const fmt = (n, w = 7) => (n === null ? '—' : n.toFixed(1)).padStart(w);
  console.log(
    `node ${machine.node}, ${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.join(' ')} at the start, ` +
      `${machine.loadAverageAtEnd.join(' ')} at the end; ${runs} runs of each, round-robin.`,
  );
  if (loadAtStart[0] > machine.cpus / 2) {
    console.log(
      `The machine was busy (1-min load ${loadAtStart[0].toFixed(1)} on ${machine.cpus} CPUs): wall times are inflated; measure again on a quiet one.`,
    );
  }
  console.log(
    'Wall time: median, min, max and the median over the floor. CPU: mean user+system of the process and over the floor (less sensitive to load).',
  );
  console.log('"plugins": how many plugins oclif loaded for that command (its own debug log), the root CLI included.\n');
  for (const r of results) {
    console.log(`${r.setup}:`);
    console.log(
      `  ${'command'.padEnd(22)} ${'median'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}  ${'over floor'.padStart(10)}  ${'CPU'.padStart(7)} ${'over'.padStart(7)}  plugins`,
    );
    for (const row of r.rows) {
      console.log(
        `  ${row.name.padEnd(22)} ${fmt(row.medianMs)} ${fmt(row.minMs)} ${fmt(row.maxMs)}  ${`+${row.overFloorMs.toFixed(1)}`.padStart(10)}  ${fmt(row.cpuMeanMs)} ${fmt(row.cpuOverFloorMs)}  ${row.pluginsLoaded ?? ''}${row.goal ? '' : row.pluginsLoaded === null ? '' : '  (not a goal)'}`,
      );
    }
    console.log('');
  }
  console.log(
    `goal: --version and plan --help within ${GOAL_MS} ms of the floor (medians) — ${withinGoal ? 'met' : 'NOT met'} (worst +${worstOverFloor.toFixed(1)} ms)`,
  );
  if (growth.length) {
    console.log(
      `goal: not growing with ${pluginCount} installed plugins (the same plugins loaded, and each median within ${GROWTH_TOLERANCE_MS} ms of no plugins) — ${notGrowing ? 'met' : 'NOT met'}`,
    );
    for (const g of growth) {
      console.log(
        `  ${g.name}: plugins loaded ${g.pluginsLoaded[0]} → ${g.pluginsLoaded[1]}${g.pluginsLoaded[0] === g.pluginsLoaded[1] ? '' : ' (grows)'}, median over the floor ${g.deltaMs >= 0 ? '+' : ''}${g.deltaMs.toFixed(1)} ms`,
      );
    }
  } else {
    console.log('goal: not growing with installed plugins — not measured (--plugins 0)');
  }
}
