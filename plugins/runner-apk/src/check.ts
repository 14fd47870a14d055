import { type CheckResult, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { catArgv, simulateArgv, versionListArgv, WORLD } from './argv.js';
import { excluded, exclusionInTheWay, HELD_BY_WORLD, KEPT_BY_SOLVER } from './names.js';
import type { ApkOptions } from './options.js';
import { type ApkChange, type ApkSimulation, parseSimulation } from './parse-simulation.js';
import { parseVersionList } from './parse-version-list.js';
import { parseWorld } from './parse-world.js';
import { refreshIndexes } from './refresh.js';

type Withheld = CheckResult['withheld'][number];

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'apk check aborted');
}

async function simulate(ctx: RunnerContext<ApkOptions>, names: readonly string[] = []): Promise<ApkSimulation> {
  throwIfAborted(ctx.signal);
  const r = await ctx.exec.read(simulateArgv(names));
  // src/app_upgrade.c: printed when apk-tools itself has an update (apply upgrades it first).
  if (r.stderr.includes('This simulation is not reliable'))
    ctx.log.warn({ stderr: r.stderr.trim() }, 'apk: an apk-tools upgrade is pending');
  return parseSimulation(r.stdout);
}

/** Why a simulated upgrade is unacceptable: it changes or removes an excluded package. */
function violations(sim: ApkSimulation, ctx: RunnerContext<ApkOptions>): string[] {
  return sim.changes.filter((c) => excluded(c.name, ctx.exclusions)).map((c) => `would also change excluded ${c.name} (${c.verb})`);
}

/** Splits the set in halves until each single package that drags an exclusion in is found. */
async function findCulprits(ctx: RunnerContext<ApkOptions>, names: readonly string[], known?: ApkSimulation): Promise<Withheld[]> {
  const sim = known ?? (await simulate(ctx, names));
  const bad = violations(sim, ctx);
  if (bad.length === 0) return [];
  if (names.length === 1) return [{ name: names[0] as string, reason: bad.join('; ') }];
  const half = Math.ceil(names.length / 2);
  return [...(await findCulprits(ctx, names.slice(0, half))), ...(await findCulprits(ctx, names.slice(half)))];
}

/** The changes apk reports that an update stands for (Reinstalling and pinning-only changes do not). */
function toUpdates(sim: ApkSimulation, ctx: RunnerContext<ApkOptions>): Update[] {
  const purged = sim.changes.filter((c) => c.verb === 'Purging').map((c) => c.name);
  if (purged.length > 0) ctx.log.warn({ purged }, 'apk upgrade will remove packages');
  return sim.changes
    .filter((c): c is ApkChange & { to: string } => c.to !== null && c.verb !== 'Reinstalling' && c.verb !== 'Updating pinning')
    .map((c) => ({ name: c.name, from: c.from, to: c.to }));
}

/**
 * Refreshes the indexes (the one change check makes), lists every outdated package, and
 * simulates `apk upgrade`: what apk would leave out is held by a world constraint (a pin) or by
 * its solver. When an exclusion matches a change, the upgrade of the named remaining packages
 * is simulated too, so a dependency cannot drag an excluded package in.
 */
export async function checkApk(ctx: RunnerContext<ApkOptions>): Promise<CheckResult> {
  await refreshIndexes(ctx);
  throwIfAborted(ctx.signal);
  const outdated = parseVersionList((await ctx.exec.read(versionListArgv())).stdout);
  // apk treats a missing world file as an empty world; cat exits 1 then.
  const world = parseWorld((await ctx.exec.read(catArgv(WORLD), { okExitCodes: [0, 1] })).stdout);
  const sim = await simulate(ctx);

  const withheld: Withheld[] = [];
  for (const o of outdated) {
    if (sim.changes.some((c) => c.name === o.name)) continue;
    const pins = world.filter((w) => w.name === o.name && w.pinned).map((w) => w.constraint);
    const reason =
      pins.length > 0
        ? `${HELD_BY_WORLD} (${pins.join(', ')}): ${o.available} is available, ${o.installed} stays`
        : `${KEPT_BY_SOLVER}${o.installed} by apk's solver (a constraint or dependency of another package): ${o.available} is available`;
    withheld.push({ name: o.name, reason });
  }
  for (const c of sim.changes) if (excluded(c.name, ctx.exclusions)) withheld.push({ name: c.name, reason: 'excluded by policy' });

  if (!exclusionInTheWay(withheld, ctx.exclusions)) return { updates: toUpdates(sim, ctx), withheld };

  // Only upgrades of installed packages are named; new packages come in as their dependencies.
  let candidates = sim.changes.filter((c) => c.verb === 'Upgrading' && !excluded(c.name, ctx.exclusions)).map((c) => c.name);
  while (candidates.length > 0) {
    const planned = await simulate(ctx, candidates);
    if (violations(planned, ctx).length === 0) return { updates: toUpdates(planned, ctx), withheld };
    let culprits = await findCulprits(ctx, candidates, planned);
    // No single package is to blame: withhold the rest rather than break an exclusion.
    if (culprits.length === 0) {
      culprits = candidates.map((name) => ({ name, reason: `together with the others ${violations(planned, ctx).join('; ')}` }));
    }
    withheld.push(...culprits);
    const blamed = new Set(culprits.map((c) => c.name));
    candidates = candidates.filter((n) => !blamed.has(n));
  }
  return { updates: [], withheld };
}
