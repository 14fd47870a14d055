import type { ApplyResult, PlanStep, RunnerContext, StepOutcome, Update } from '@unrot/sdk';
import { dpkgQueryArgv } from './argv.js';
import { assertDebianPackageName, baseName } from './names.js';
import type { AptOptions } from './options.js';
import { parseDpkgQuery } from './parse-dpkg-query.js';

/** Runs the plan's argv as they are, then reads back from dpkg what really changed. */
export async function applyApt(ctx: RunnerContext<AptOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const steps: StepOutcome[] = [];
  let ranForReal = false;
  for (const step of plan) {
    const r = await ctx.exec.change(step.argv, step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs });
    steps.push({ id: step.id, argv: [...step.argv], exitCode: r.exitCode, durationMs: r.durationMs });
    ranForReal ||= !r.dryRun;
  }
  const expected = plan.flatMap((s) => s.updates);
  if (!ranForReal || expected.length === 0) return { changed: [], steps };

  const names = [...new Set(expected.map((u) => assertDebianPackageName(u.name, 'apply readback')))];
  // Exit 1 = some name is unknown to dpkg (removed in the meantime); the rest is still printed.
  const out = await ctx.exec.read(dpkgQueryArgv(names), { okExitCodes: [0, 1] });
  const installed = parseDpkgQuery(out.stdout);
  const changed: Update[] = [];
  for (const u of expected) {
    const [name, arch] = [baseName(u.name), u.name.includes(':') ? u.name.slice(u.name.indexOf(':') + 1) : undefined];
    const now = installed.find((p) => p.name === name && (arch === undefined || p.arch === arch));
    if (now && now.version !== u.from && !changed.some((c) => c.name === u.name))
      changed.push({ name: u.name, from: u.from, to: now.version });
  }
  return { changed, steps };
}
