import type { ApplyResult, PlanStep, RunnerContext } from '@unrot/sdk';
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
  // Read back what is installed now, once per project.
  const dirs = new Map<string, Map<string, string>>();
  for (const update of plan.flatMap((s) => s.updates)) {
    const scope = parseScope(update.scope);
    if (!scope) continue;
    let installed = dirs.get(scope.dir);
    if (!installed) {
      const shown = await ctx.exec.read(showArgv(scope.dir), { okExitCodes: ANY_EXIT });
      installed = new Map(parsePackageList(shown, `composer show in ${scope.dir}`).map((r) => [r.name, r.version]));
      dirs.set(scope.dir, installed);
    }
    const now = installed.get(update.name);
    if (now !== undefined && now !== update.from)
      result.changed.push({ name: update.name, from: update.from, to: now, scope: update.scope });
    else ctx.log.warn({ update, installed: now ?? null }, 'planned update did not change the installed version');
  }
  return result;
}
