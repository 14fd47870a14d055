import { type ApplyResult, type PlanStep, type RunnerContext, readBackChanges } from '@unrot/sdk';
import { bundlerScopeDir, GEM_LIST_LOCAL_ARGV, lockfilePath } from './commands.js';
import { highestVersion } from './gem-version.js';
import type { GemOptions } from './options.js';
import { parseLockfile } from './parse-bundler.js';
import { parseGemList } from './parse-gem.js';
import { ANY_EXIT, failed, outputTail, readTool } from './tool-output.js';

/** What is installed now: the project's lock, or the highest installed version of each system gem. */
async function readInstalled(ctx: RunnerContext<GemOptions>, scope: string): Promise<Map<string, string>> {
  const dir = bundlerScopeDir(scope);
  if (dir !== undefined) {
    const lock = await readTool(ctx.exec, ['cat', lockfilePath(dir)], [0], `cannot read the lock of ${dir}`);
    return parseLockfile(lock.stdout).specs;
  }
  const listed = await readTool(ctx.exec, GEM_LIST_LOCAL_ARGV, [0], 'gem list failed');
  const installed = new Map<string, string>();
  for (const [name, gem] of parseGemList(listed.stdout, 'gem list --local')) {
    const highest = highestVersion(gem.versions);
    if (highest !== undefined) installed.set(name, highest);
  }
  return installed;
}

/** Runs exactly the plan's argv, then reports what the lock or the gem directory now holds. */
export async function applyGem(ctx: RunnerContext<GemOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const result: ApplyResult = { changed: [], steps: [] };
  for (const step of plan) {
    const ran = await ctx.exec.change(step.argv, {
      okExitCodes: ANY_EXIT,
      ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
    });
    result.steps.push({ id: step.id, argv: step.argv, exitCode: ran.exitCode, durationMs: ran.durationMs });
    // Bundler exits 5 on a failed build, 6/7 on resolver errors, 17 on a source error: the tail says which.
    if (ran.exitCode !== 0) {
      ctx.log.error({ step: step.id, exitCode: ran.exitCode, tail: outputTail(ran, 30) }, 'gem update step failed');
      throw failed(ran, `${step.title} failed`);
    }
  }
  result.changed.push(...(await readBackChanges(plan, (scope) => readInstalled(ctx, scope), { log: ctx.log, dryRun: ctx.exec.dryRun })));
  return result;
}
