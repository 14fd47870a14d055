#!/usr/bin/env node
// Cold start-up of the CLI against the floor of starting Node itself.
// Usage: node bench/startup.mjs [--runs N] [--json]
// Goal (issue 2): `unrot --version` and `unrot plan --help` within 250 ms of `node -e 0` (medians).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'packages/cli/bin/run.js');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 15;
const asJson = args.includes('--json');

const cases = [
  { name: 'node -e 0 (floor)', argv: ['-e', '0'] },
  { name: 'unrot --version', argv: [bin, '--version'] },
  { name: 'unrot plan --help', argv: [bin, 'plan', '--help'] },
];

function time(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

for (const c of cases) time(c.argv); // one warm-up each: the file-system cache, not the process, is warmed
const results = cases.map((c) => {
  const samples = Array.from({ length: runs }, () => time(c.argv));
  return { name: c.name, runs, medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples) };
});
const floor = results[0].medianMs;
for (const r of results) r.overFloorMs = r.medianMs - floor;

if (asJson) console.log(JSON.stringify({ node: process.version, results }, null, 2));
else {
  console.log(`node ${process.version}, ${runs} runs each (median / min / max, and median over the floor)`);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(22)} ${r.medianMs.toFixed(1).padStart(7)} ms  ${r.minMs.toFixed(1).padStart(7)}  ${r.maxMs.toFixed(1).padStart(7)}   +${r.overFloorMs.toFixed(1)} ms`,
    );
  }
  const worst = Math.max(...results.slice(1).map((r) => r.overFloorMs));
  console.log(`goal: within 250 ms of the floor — ${worst <= 250 ? 'met' : 'NOT met'} (worst +${worst.toFixed(1)} ms)`);
}
