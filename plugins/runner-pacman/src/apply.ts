import { type ApplyResult, type PlanStep, type RunnerContext, type StepOutcome, UnrotError, type Update } from '@unrot/sdk';
import { dbPathArgv, queryInstalledArgv } from './argv.js';
import { whileLocked } from './lock.js';
import { assertPacmanName } from './names.js';
import type { PacmanOptions } from './options.js';
import { outputTail, pacmanErrors } from './output-tail.js';
import { parseInstalled } from './parse-print.js';

// pacman 6.0, measured: a failing post_upgrade prints this on stderr, yet the transaction
// completes and pacman exits 0. The package is then half-configured: treat it as a failure so the
// engine rolls the container back.
const SCRIPTLET_FAILED = /^error: command failed to execute correctly$/m;

async function lockFile(ctx: RunnerContext<PacmanOptions>): Promise<string> {
  const r = await ctx.exec.read(dbPathArgv(), { okExitCodes: [0, 1] });
  const dbPath = r.stdout.trim();
  return /^\/[A-Za-z0-9._+@/-]*$/.test(dbPath) ? `${dbPath.replace(/\/$/, '')}/db.lck` : '/var/lib/pacman/db.lck';
}

/** Runs the plan's argv as they are (waiting on the live lock), then reads back what pacman installed. */
export async function applyPacman(ctx: RunnerContext<PacmanOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const steps: StepOutcome[] = [];
  let ranForReal = false;
  for (const step of plan) {
    const opts = { okExitCodes: [0, 1], ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }) };
    const r = await whileLocked(() => ctx.exec.change(step.argv, opts), {
      timeoutS: ctx.options.lock_timeout_s,
      signal: ctx.signal,
      lockFile: () => lockFile(ctx),
      onWait: (w) => ctx.log.info({ stderr: w.stderr.trim() }, 'pacman database locked by another process; waiting'),
    });
    steps.push({ id: step.id, argv: [...step.argv], exitCode: r.exitCode, durationMs: r.durationMs });
    ranForReal ||= !r.dryRun;
    const details = { argv: step.argv, exitCode: r.exitCode, stderr: r.stderr.slice(-2000), output: outputTail(r.stdout, r.stderr) };
    if (r.exitCode !== 0) {
      throw new UnrotError(
        'E_EXEC_FAILED',
        `${step.argv.join(' ')} exited ${r.exitCode}: ${pacmanErrors(r.stderr) || 'no error message'}`,
        details,
      );
    }
    if (SCRIPTLET_FAILED.test(r.stderr)) {
      throw new UnrotError(
        'E_EXEC_FAILED',
        `${step.argv.join(' ')}: an install scriptlet failed ("error: command failed to execute correctly"); pacman completed the transaction and exited 0, so the upgraded packages may be half-configured`,
        details,
      );
    }
  }
  const expected = plan.flatMap((s) => s.updates);
  if (!ranForReal || expected.length === 0) return { changed: [], steps };

  const names = [...new Set(expected.map((u) => assertPacmanName(u.name, 'apply readback')))];
  // Exit 1 = some name is not installed (replaced or removed in the meantime); the rest is printed.
  const installed = parseInstalled((await ctx.exec.read(queryInstalledArgv(names), { okExitCodes: [0, 1] })).stdout);
  const changed: Update[] = [];
  for (const u of expected) {
    const now = installed.get(u.name);
    if (now !== undefined && now !== u.from && !changed.some((c) => c.name === u.name))
      changed.push({ name: u.name, from: u.from, to: now });
  }
  return { changed, steps };
}
