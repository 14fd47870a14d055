import { type ApplyResult, type PlanStep, type RunnerContext, readBackChanges } from '@unrot/sdk';
import { parseScope, showArgv } from './commands.js';
import { ANY_EXIT, composerFailed } from './failure.js';
import type { ComposerOptions } from './options.js';
import { parsePackageList } from './parse.js';

/**
 * Runs exactly the plan's argv and stops at the first failure with Composer's own words. A
 * failed `require` reverts composer.json and composer.lock itself; a failing script after the
 * install has already changed vendor/ (measured), which the engine's snapshot rollback undoes.
 */
export async function applyComposer(ctx: RunnerContext<ComposerOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const result: ApplyResult = { changed: [], steps: [] };
  for (const step of plan) {
    const ran = await ctx.exec.change(step.argv, {
      okExitCodes: ANY_EXIT,
      ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
    });
    result.steps.push({ id: step.id, argv: step.argv, exitCode: ran.exitCode, durationMs: ran.durationMs });
    if (ran.exitCode !== 0 && !ran.dryRun) throw composerFailed(ran, step.title);
  }
  if (ctx.exec.dryRun) return result;
  // Read back what is installed now, once per project (require and require-dev share one).
  const projects = new Map<string, Promise<ReadonlyMap<string, string>>>();
  const installedIn = (scopeText: string): Promise<ReadonlyMap<string, string>> => {
    const dir = parseScope(scopeText)?.dir;
    if (dir === undefined) return Promise.resolve(new Map());
    let read = projects.get(dir);
    if (!read) {
      read = ctx.exec
        .read(showArgv(dir), { okExitCodes: ANY_EXIT })
        .then((shown) => new Map(parsePackageList(shown, `composer show in ${dir}`).map((r) => [r.name, r.version])));
      projects.set(dir, read);
    }
    return read;
  };
  result.changed.push(...(await readBackChanges(plan, installedIn, { log: ctx.log, dryRun: false })));
  return result;
}
