import { type CheckResult, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { queryUpgradesArgv, simulateUpgradeArgv } from './argv.js';
import { EXCLUDED_REASON, excluded } from './names.js';
import type { PacmanOptions } from './options.js';
import { outputTail, pacmanErrors } from './output-tail.js';
import { parsePrintTargets } from './parse-print.js';
import { parseQueryUpgrades } from './parse-query-upgrades.js';
import { readPacmanConf, syncPrivateDb } from './private-db.js';

type Withheld = CheckResult['withheld'][number];

export const IGNOREPKG_REASON = 'held by IgnorePkg/IgnoreGroup in pacman.conf';

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'pacman check aborted');
}

// pacman 6.0 (measured): `:: unable to satisfy dependency 'b>=1.1' required by a` on stdout, then
// `error: failed to prepare transaction (could not satisfy dependencies)` on stderr, when
// an --ignore'd package is needed by another upgrade; with --noconfirm it refuses to skip `a`.
const UNSATISFIED = /unable to satisfy dependency '([^']+)' required by (\S+)/g;

/**
 * Syncs the private database, lists `pacman -Qu` against it, and simulates the `-Su` apply will
 * run (print mode, same --ignore list) so a dependency problem or a partial upgrade shows before
 * anything is backed up or changed.
 */
export async function checkPacman(ctx: RunnerContext<PacmanOptions>): Promise<CheckResult> {
  throwIfAborted(ctx.signal);
  const conf = await readPacmanConf(ctx);
  await syncPrivateDb(ctx, conf);
  throwIfAborted(ctx.signal);

  // Exit 1 with no output = nothing to upgrade (pacman's rule for an empty -Qu).
  const qu = await ctx.exec.read(queryUpgradesArgv(), { okExitCodes: [0, 1] });
  if (qu.exitCode === 1 && (qu.stdout.trim() !== '' || qu.stderr.trim() !== '')) {
    throw new UnrotError('E_EXEC_FAILED', `${qu.argv.join(' ')} exited 1: ${pacmanErrors(qu.stderr) || qu.stderr.trim().slice(0, 300)}`, {
      argv: qu.argv,
      exitCode: qu.exitCode,
      stderr: qu.stderr.slice(-2000),
      output: outputTail(qu.stdout, qu.stderr),
    });
  }
  const pending = parseQueryUpgrades(qu.stdout);
  const withheld: Withheld[] = [];
  const ignore: string[] = [];
  const wanted = [];
  for (const p of pending) {
    if (p.ignored) withheld.push({ name: p.name, reason: IGNOREPKG_REASON });
    else if (excluded(p.name, ctx.exclusions)) {
      withheld.push({ name: p.name, reason: EXCLUDED_REASON });
      ignore.push(p.name);
    } else wanted.push(p);
  }
  if (wanted.length === 0) return { updates: [], withheld };

  throwIfAborted(ctx.signal);
  const sim = await ctx.exec.read(simulateUpgradeArgv(ignore), { okExitCodes: [0, 1] });
  if (sim.exitCode !== 0) {
    const needs = [...`${sim.stdout}\n${sim.stderr}`.matchAll(UNSATISFIED)].map((m) => `${m[2]} requires ${m[1]}`);
    const details = { argv: sim.argv, exitCode: sim.exitCode, stderr: sim.stderr.slice(-2000), output: outputTail(sim.stdout, sim.stderr) };
    if (ignore.length > 0 && needs.length > 0) {
      throw new UnrotError(
        'E_CONFIG',
        `excluding ${ignore.join(', ')} would make this a partial upgrade (${needs.join('; ')}). Arch supports only full upgrades, so unrot never upgrades a subset by itself: exclude the packages that need it too, or drop the exclusion`,
        { ...details, container: ctx.container.vmid },
      );
    }
    throw new UnrotError(
      'E_EXEC_FAILED',
      `${sim.argv.join(' ')} exited ${sim.exitCode}: ${pacmanErrors(sim.stderr) || 'no error message'}`,
      details,
    );
  }
  const from = new Map(pending.map((p) => [p.name, p.from]));
  const updates: Update[] = parsePrintTargets(sim.stdout).map((t) => ({ name: t.name, from: from.get(t.name) ?? null, to: t.version }));
  // An excluded package that -Su would still install (a new dependency matching a glob) is a violation, not an update.
  const dragged = updates.filter((u) => excluded(u.name, ctx.exclusions));
  if (dragged.length > 0) {
    throw new UnrotError(
      'E_CONFIG',
      `pacman -Su would install excluded ${dragged.map((u) => `${u.name} ${u.to}`).join(', ')} as a new dependency; Arch supports only full upgrades, so unrot will not leave out what the upgrade needs`,
      { argv: sim.argv, container: ctx.container.vmid },
    );
  }
  return { updates, withheld };
}
