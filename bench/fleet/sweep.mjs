// `node bench/fleet.mjs --sweep 100,500,1000,2000`: the fleet benchmark at each size, each in a
// process of its own (so one size's heap and threads never count towards the next one's peak),
// then what grows with the fleet: CPU per container and peak RSS per size, their slopes, and
// whether both are flat. See bench/README.md ("Slope").
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

/** "Flat": at the largest size, CPU per container and peak RSS are at most this much above the smallest size's. */
export const FLAT_TOLERANCE = 0.2;
/** Short work keeps a 2,000-container sweep quick; the engine's cost per container does not depend on it. */
const SWEEP_DEFAULTS = { '--check-ms': '5-10', '--apply-ms': '10-30' };

/** Least-squares slope of ys against xs. */
export function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * sizes: the fleet sizes, ascending; passThrough: the other fleet.mjs flags (concurrency, seed,
 * backup, host, durations). Returns the process exit code.
 */
export async function runSweep({ script, sizes, passThrough, json, jsonFile, progress }) {
  const args = [...passThrough];
  for (const [flag, value] of Object.entries(SWEEP_DEFAULTS)) if (!args.includes(flag)) args.push(flag, value);
  const dir = await mkdtemp(join(tmpdir(), 'unrot-sweep-'));
  const rows = [];
  try {
    for (const containers of sizes) {
      progress(`sweep: ${containers} containers …`);
      const out = join(dir, `${containers}.json`);
      const code = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script, ...args, '--containers', String(containers), '--no-serial', '--json', out], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('error', reject);
        child.on('exit', (c) => resolve(c));
      });
      if (code !== 0) {
        progress(`sweep: the ${containers}-container run exited ${code}`);
        return code === 2 ? 2 : 1;
      }
      const r = JSON.parse(await readFile(out, 'utf8'));
      rows.push({
        containers,
        loadAtStart: r.loadAtStart,
        makespanMs: r.engine.makespanMs,
        ratio: r.ratio,
        cpuMsPerContainer: r.engine.cpu.perContainerMs,
        userMsPerContainer: r.engine.cpu.userMs / containers,
        systemMsPerContainer: r.engine.cpu.systemMs / containers,
        peakMb: r.engine.memory.peakMb,
        rssBeforeMb: r.engine.memory.rssBeforeMb,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const xs = rows.map((r) => r.containers);
  const first = rows[0];
  const last = rows[rows.length - 1];
  const cpuGrowth = last.cpuMsPerContainer / first.cpuMsPerContainer - 1;
  const memoryGrowth = last.peakMb / first.peakMb - 1;
  const result = {
    node: process.version,
    loadAtEnd: loadavg()[0],
    options: { sizes, passThrough: args },
    rows,
    slope: {
      // ms of CPU per container added by each further 1,000 containers (0: flat)
      cpuMsPerContainerPer1000:
        slope(
          xs,
          rows.map((r) => r.cpuMsPerContainer),
        ) * 1000,
      // the peak's growth per container: what each further container keeps in memory
      peakKbPerContainer:
        slope(
          xs,
          rows.map((r) => r.peakMb),
        ) * 1024,
    },
    flat: {
      tolerance: FLAT_TOLERANCE,
      cpu: { growth: cpuGrowth, met: cpuGrowth <= FLAT_TOLERANCE },
      memory: { growth: memoryGrowth, met: memoryGrowth <= FLAT_TOLERANCE },
    },
  };
  if (jsonFile) await (await import('node:fs/promises')).writeFile(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  if (json && !jsonFile) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  const pct = (g) => `${g >= 0 ? '+' : ''}${(g * 100).toFixed(0)}%`;
  console.log(`unrot fleet sweep — node ${result.node}; ${args.join(' ')}`);
  console.log('');
  console.log('containers  load at start  makespan    ratio   CPU/CT (user + system)        peak RSS');
  for (const r of rows) {
    console.log(
      `${String(r.containers).padStart(10)}  ${r.loadAtStart.toFixed(1).padStart(13)}  ${`${(r.makespanMs / 1000).toFixed(2)} s`.padStart(9)}  ${r.ratio
        .toFixed(2)
        .padStart(
          6,
        )}   ${`${r.cpuMsPerContainer.toFixed(2)} ms (${r.userMsPerContainer.toFixed(1)} + ${r.systemMsPerContainer.toFixed(1)})`.padEnd(28)}  ${r.peakMb.toFixed(0)} MB`,
    );
  }
  console.log('');
  console.log(
    `slope: CPU per container ${result.slope.cpuMsPerContainerPer1000 >= 0 ? '+' : ''}${result.slope.cpuMsPerContainerPer1000.toFixed(2)} ms per 1,000 more containers; ` +
      `peak RSS ${result.slope.peakKbPerContainer.toFixed(1)} KB per container`,
  );
  const verdict = (g) => (g.met ? 'flat' : 'NOT flat');
  console.log(
    `flat (largest size at most ${FLAT_TOLERANCE * 100}% above the smallest): CPU per container ${pct(cpuGrowth)} ${verdict(result.flat.cpu)}; ` +
      `peak RSS ${pct(memoryGrowth)} ${verdict(result.flat.memory)}`,
  );
  return 0;
}
