#!/usr/bin/env node
// `npm run evidence`: a dated evidence bundle in evidence/YYYY-MM-DD-HHMM/ (UTC): the vitest JSON
// results of a run it starts (or of --from FILE), a summary, the drill reports, the bench figures,
// the commit and machine facts, and index.md, the checklist of docs/test-plan.md with each item's
// pass or fail. See docs/testing.md, "Evidence bundle".
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { renderIndex, renderSummary, tallyChecklist } from './evidence/render.mjs';
import { checklist, summarise } from './evidence/summarise.mjs';
import { parseTestPlan } from './evidence/test-plan.mjs';

const repo = resolve(import.meta.dirname, '..');

const USAGE = `Usage: npm run evidence -- [options] [vitest arguments]

  --from FILE            summarise this vitest JSON result instead of starting a run
  --root DIR             the checkout the --from results were made in (default: this one)
  --drill-reports DIR    copy the drill reports written there (UNROT_DRILL_REPORTS) into the bundle
  --bench                run node bench/startup.mjs and node bench/fleet.mjs (with --bench-args) too
  --bench-args "ARGS"    arguments for bench/fleet.mjs (default: its own defaults)
  --out DIR              where bundles go (default: evidence/)
  -h, --help

Anything else is passed to vitest run, e.g. --project unit plugins/runner-apt.
Exit status: 0 when no test failed, 1 when one did, 2 on a usage error.`;

/**
 * @typedef {{ from: string, root: string, drillReports: string, bench: boolean, benchArgs: string[], out: string, vitest: string[] }} Options
 * @param {string[]} argv @returns {Options}
 */
function parseArgs(argv) {
  /** @type {Options} */
  const opts = { from: '', root: repo, drillReports: '', bench: false, benchArgs: [], out: join(repo, 'evidence'), vitest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--from') opts.from = resolve(next());
    else if (a === '--root') opts.root = resolve(next());
    else if (a === '--drill-reports') opts.drillReports = resolve(next());
    else if (a === '--bench') opts.bench = true;
    else if (a === '--bench-args') opts.benchArgs = next().split(/\s+/).filter(Boolean);
    else if (a === '--out') opts.out = resolve(next());
    else opts.vitest.push(a);
  }
  if (opts.from && !existsSync(opts.from)) throw new Error(`--from ${opts.from}: no such file`);
  if (opts.drillReports && !existsSync(opts.drillReports)) throw new Error(`--drill-reports ${opts.drillReports}: no such directory`);
  if (opts.from && opts.vitest.length)
    throw new Error(`--from reads a finished run; vitest arguments make no sense with it: ${opts.vitest.join(' ')}`);
  return opts;
}

/** evidence/2026-12-03-1042, or -2, -3 … when a bundle of that minute exists. @param {string} out @param {Date} now */
function bundleDir(out, now) {
  const stamp = now.toISOString().slice(0, 16).replace('T', '-').replace(':', '');
  let dir = join(out, stamp);
  for (let n = 2; existsSync(dir); n++) dir = join(out, `${stamp}-${n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Output of a command (argv, no shell), or '' when it fails. @param {[string, ...string[]]} argv */
function read(argv, cwd = repo) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

function osName() {
  const text = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'unknown';
}

/** @param {Date} now */
function facts(now) {
  const dirty = read(['git', 'status', '--porcelain']).split('\n').filter(Boolean).length;
  const vitestPkg = join(repo, 'node_modules', 'vitest', 'package.json');
  return {
    date: now.toISOString(),
    commit: read(['git', 'rev-parse', 'HEAD']) || 'unknown',
    branch: read(['git', 'rev-parse', '--abbrev-ref', 'HEAD']) || 'unknown',
    'uncommitted files': dirty,
    os: osName(),
    kernel: release(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    'memory (MiB)': Math.round(totalmem() / 2 ** 20),
    'load average at start': loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    node: process.version,
    vitest: existsSync(vitestPkg) ? JSON.parse(readFileSync(vitestPkg, 'utf8')).version : 'unknown',
  };
}

/**
 * Runs argv with inherited output (or into a file) and resolves with its exit code.
 * @param {[string, ...string[]]} argv @param {NodeJS.ProcessEnv} env @param {string} [stdoutFile] @returns {Promise<number>}
 */
function runInherited(argv, env, stdoutFile) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: repo,
      env,
      stdio: ['ignore', stdoutFile ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (stdoutFile) writeFileSync(stdoutFile, out);
      resolvePromise(code ?? 1);
    });
  });
}

/** @param {Options} opts @param {string} dir @param {string} resultsFile */
async function runTests(opts, dir, resultsFile) {
  const drillDir = join(dir, 'drill-reports');
  /** @type {[string, ...string[]]} */
  const argv = ['npx', 'vitest', 'run', ...opts.vitest, '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`];
  console.log(`==> ${argv.join(' ')}\n    drill reports into ${relative(repo, drillDir)} (UNROT_DRILL_REPORTS)`);
  const started = Date.now();
  const code = await runInherited(argv, { ...process.env, UNROT_DRILL_REPORTS: drillDir });
  return { command: argv.join(' '), exitCode: code, seconds: Math.round((Date.now() - started) / 1000) };
}

/** The drill reports in the bundle, as paths relative to it. @param {string} dir @returns {string[]} */
function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

/** @param {Options} opts @param {string} dir */
async function benchFigures(opts, dir) {
  if (opts.bench) {
    console.log('==> node bench/startup.mjs --json');
    await runInherited([process.execPath, 'bench/startup.mjs', '--json'], process.env, join(dir, 'bench-startup.json'));
    /** @type {[string, ...string[]]} */
    const argv = [process.execPath, 'bench/fleet.mjs', ...opts.benchArgs, '--json', join(dir, 'bench-fleet.json')];
    console.log(`==> node bench/fleet.mjs ${[...opts.benchArgs, '--json', 'bench-fleet.json'].join(' ')}`);
    const code = await runInherited(argv, process.env, join(dir, 'bench-fleet.txt'));
    return [
      { path: 'bench-startup.json', what: 'CLI start-up against `node -e 0`, measured now (`bench/startup.mjs --json`)' },
      { path: 'bench-fleet.txt', what: `fleet benchmark measured now (exit ${code}), its table; \`bench-fleet.json\` holds the figures` },
    ];
  }
  // No fresh run: the figures bench/README.md records, with where they came from.
  const readme = readFileSync(join(repo, 'bench', 'README.md'), 'utf8');
  const start = readme.indexOf('### Figures');
  const figures = start >= 0 ? readme.slice(start) : readme;
  writeFileSync(
    join(dir, 'bench.md'),
    `# Bench figures\n\nNot measured for this bundle (use \`--bench\`): the recorded figures of \`bench/README.md\`, with the machine and date each was measured on.\n\n${figures.replace(/^### /gm, '## ')}`,
  );
  return [{ path: 'bench.md', what: 'bench figures recorded in `bench/README.md` (not measured now; `--bench` measures)' }];
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const now = new Date();
  const dir = bundleDir(opts.out, now);
  const resultsFile = join(dir, 'vitest-results.json');
  const info = facts(now);

  let run;
  if (opts.from) {
    cpSync(opts.from, resultsFile);
    run = { command: `--from ${opts.from}`, root: opts.root };
  } else run = await runTests(opts, dir, resultsFile);
  if (!existsSync(resultsFile)) {
    console.error(`vitest wrote no results (${resultsFile}); exit ${run.exitCode}`);
    process.exit(1);
  }
  if (opts.drillReports) cpSync(opts.drillReports, join(dir, 'drill-reports'), { recursive: true });

  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const summary = summarise(results, opts.root);
  const plan = parseTestPlan(readFileSync(join(repo, 'docs', 'test-plan.md'), 'utf8'));
  const entries = checklist(plan, results, opts.root);
  const drillReports = listFiles(join(dir, 'drill-reports'));
  const benchFiles = await benchFigures(opts, dir);

  writeFileSync(join(dir, 'facts.json'), `${JSON.stringify({ ...info, run }, null, 2)}\n`);
  writeFileSync(join(dir, 'summary.md'), renderSummary(summary));
  writeFileSync(
    join(dir, 'summary.json'),
    `${JSON.stringify({ ...summary, checklist: entries.map((e) => ({ id: e.row.id, item: e.row.item, kind: e.row.kind, result: e.result, counts: e.counts, missing: e.missing, failures: e.failures })) }, null, 2)}\n`,
  );
  const files = [
    {
      path: 'summary.md',
      what: 'passed, failed and skipped per project and per file; the slowest files (also as `summary.json`, with the checklist)',
    },
    { path: 'vitest-results.json', what: `vitest's own JSON result (${run.command})` },
    {
      path: 'drill-reports/',
      what: drillReports.length
        ? `${drillReports.length} JSON reports of the \`unrot\` commands the drills ran, one directory per drill file`
        : 'none: no drill ran in this run (or it ran without UNROT_DRILL_REPORTS)',
    },
    ...benchFiles,
    { path: 'facts.json', what: 'commit, machine, Node and vitest versions, and how the tests were run' },
  ];
  const title = `unrot evidence, ${info.date.slice(0, 16).replace('T', ' ')} UTC, commit ${String(info.commit).slice(0, 12)}`;
  writeFileSync(join(dir, 'index.md'), renderIndex({ title, entries, summary, facts: info, files }));

  const tally = tallyChecklist(entries);
  console.log(`\nevidence bundle: ${relative(process.cwd(), dir) || '.'}/index.md`);
  console.log(
    `tests: ${summary.total.passed} passed, ${summary.total.failed} failed, ${summary.total.skipped} skipped; checklist: ${JSON.stringify(tally)}`,
  );
  process.exit(summary.total.failed > 0 ? 1 : 0);
}

await main();
