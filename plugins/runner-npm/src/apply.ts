import { type ApplyResult, type PlanStep, type RunnerContext, readBackChanges } from '@unrot/sdk';
import { listArgv, parseScope } from './commands.js';
import type { NpmOptions } from './options.js';
import type { InstalledVersions } from './parse-common.js';
import { parseNpmLs } from './parse-npm.js';
import { parsePnpmList } from './parse-pnpm.js';
import { parseYarnList } from './parse-yarn.js';

async function readInstalled(ctx: RunnerContext<NpmOptions>, scopeText: string): Promise<InstalledVersions> {
  const scope = parseScope(scopeText);
  if (!scope) return new Map();
  const argv = listArgv(scope.manager, scope.dir);
  // npm ls exits 1 when the tree has problems (extraneous, invalid) but still prints it.
  const result = await ctx.exec.read(argv, { okExitCodes: scope.manager === 'npm' ? [0, 1] : [0] });
  const source = argv.join(' ');
  if (scope.manager === 'yarn') return parseYarnList(result, source);
  if (scope.manager === 'pnpm') return parsePnpmList(result, source);
  return parseNpmLs(result, source);
}

/** Runs exactly the plan's argv, then reports what the package manager now has installed. */
export async function applyNpm(ctx: RunnerContext<NpmOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const result: ApplyResult = { changed: [], steps: [] };
  for (const step of plan) {
    const ran = await ctx.exec.change(step.argv, step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : undefined);
    result.steps.push({ id: step.id, argv: step.argv, exitCode: ran.exitCode, durationMs: ran.durationMs });
  }
  result.changed.push(...(await readBackChanges(plan, (scope) => readInstalled(ctx, scope), { log: ctx.log, dryRun: ctx.exec.dryRun })));
  return result;
}
