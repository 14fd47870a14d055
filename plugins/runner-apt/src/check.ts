import { type CheckResult, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { simulateInstallArgv } from './argv.js';
import { excluded, exclusionInTheWay } from './names.js';
import type { AptOptions } from './options.js';
import { parseSimulation, type Simulation } from './parse-simulation.js';
import { refreshAndSimulate } from './refresh.js';

type Withheld = CheckResult['withheld'][number];

/** Why a simulated install is unacceptable: it touches an excluded package, or removes one in mode upgrade. */
function violations(sim: Simulation, ctx: RunnerContext<AptOptions>): string[] {
  const out: string[] = [];
  for (const i of sim.installs) if (excluded(i.name, ctx.exclusions)) out.push(`would also upgrade excluded ${i.name}`);
  for (const r of sim.removals) {
    if (excluded(r.name, ctx.exclusions)) out.push(`would remove excluded ${r.name}`);
    else if (ctx.options.mode === 'upgrade') out.push(`would remove ${r.name} (mode upgrade removes nothing)`);
  }
  return out;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'apt check aborted');
}

async function simulateInstall(ctx: RunnerContext<AptOptions>, names: readonly string[]): Promise<Simulation> {
  throwIfAborted(ctx.signal);
  return parseSimulation((await ctx.exec.read(simulateInstallArgv(ctx.options, names))).stdout);
}

/** Splits the set in halves until each single package that drags an exclusion in is found. */
async function findCulprits(ctx: RunnerContext<AptOptions>, names: readonly string[], known?: Simulation): Promise<Withheld[]> {
  const sim = known ?? (await simulateInstall(ctx, names));
  const bad = violations(sim, ctx);
  if (bad.length === 0) return [];
  if (names.length === 1) return [{ name: names[0] as string, reason: bad.join('; ') }];
  const half = Math.ceil(names.length / 2);
  return [...(await findCulprits(ctx, names.slice(0, half))), ...(await findCulprits(ctx, names.slice(half)))];
}

/**
 * Refreshes the indexes (the one change check makes) and simulates the upgrade in one exec; when an
 * exclusion matches, simulates the install it will plan so a dependency cannot drag an
 * excluded package in: packages that would are withheld instead.
 */
export async function checkApt(ctx: RunnerContext<AptOptions>): Promise<CheckResult> {
  const o = ctx.options;
  throwIfAborted(ctx.signal);
  // One exec for both (issue 16: a no-op container costs at most 3 round trips).
  const sim = parseSimulation(await refreshAndSimulate(ctx));

  const keptBack =
    o.mode === 'upgrade'
      ? 'kept back by apt-get upgrade: held (apt-mark hold) or it needs packages installed or removed (mode full-upgrade allows that)'
      : 'kept back by apt-get dist-upgrade: held (apt-mark hold) or its dependencies cannot be resolved';
  const withheld: Withheld[] = sim.keptBack.map((name) => ({ name, reason: keptBack }));
  for (const i of sim.installs) if (excluded(i.name, ctx.exclusions)) withheld.push({ name: i.name, reason: 'excluded by policy' });
  for (const r of sim.removals) {
    if (excluded(r.name, ctx.exclusions)) withheld.push({ name: r.name, reason: 'excluded by policy (the upgrade would remove it)' });
  }

  if (!exclusionInTheWay(withheld, ctx.exclusions)) {
    if (sim.removals.length > 0) ctx.log.warn({ removals: sim.removals }, 'apt full-upgrade will remove packages');
    return { updates: sim.installs.map(toUpdate), withheld };
  }

  // Only upgrades of installed packages are named; new packages come in as their dependencies.
  let candidates = sim.installs.filter((i) => i.from !== null && !excluded(i.name, ctx.exclusions)).map((i) => i.name);
  while (candidates.length > 0) {
    const planned = await simulateInstall(ctx, candidates);
    if (violations(planned, ctx).length === 0) {
      if (planned.removals.length > 0) ctx.log.warn({ removals: planned.removals }, 'apt full-upgrade will remove packages');
      return { updates: planned.installs.map(toUpdate), withheld };
    }
    let culprits = await findCulprits(ctx, candidates, planned);
    // No single package is to blame (or-dependencies): withhold the rest rather than break an exclusion.
    if (culprits.length === 0) {
      culprits = candidates.map((name) => ({ name, reason: `together with the others ${violations(planned, ctx).join('; ')}` }));
    }
    withheld.push(...culprits);
    const blamed = new Set(culprits.map((c) => c.name));
    candidates = candidates.filter((n) => !blamed.has(n));
  }
  return { updates: [], withheld };
}

const toUpdate = (i: { name: string; from: string | null; to: string }): Update => ({ name: i.name, from: i.from, to: i.to });
