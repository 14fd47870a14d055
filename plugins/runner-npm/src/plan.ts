import { type CheckResult, type PlanStep, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { GLOBAL, installExactArgv, parseScope, updateInRangeArgv } from './commands.js';
import { assertSafeName, assertSafeVersion } from './names.js';
import type { NpmOptions } from './options.js';
import { projectDir } from './project.js';

/** Pure: one step per project (and one for global packages), in check order. */
export function planNpm(ctx: RunnerContext<NpmOptions>, check: CheckResult): PlanStep[] {
  const allowedDirs = new Set(ctx.options.projects.map(projectDir));
  const byScope = new Map<string, Update[]>();
  for (const update of check.updates) {
    const scope = parseScope(update.scope);
    const known =
      scope !== undefined && (scope.dir === GLOBAL ? ctx.options.global && scope.manager === 'npm' : allowedDirs.has(scope.dir));
    if (!known) {
      throw new UnrotError(
        'E_RUNNER_INVALID_OUTPUT',
        `update ${update.name} has a scope this runner's options do not name: ${update.scope}`,
        {
          scope: update.scope,
        },
      );
    }
    // The check result may have been stored and read back: re-validate before argv.
    assertSafeName(update.name, 'check result');
    assertSafeVersion(update.name, update.to, 'check result');
    const list = byScope.get(update.scope as string) ?? [];
    list.push(update);
    byScope.set(update.scope as string, list);
  }

  return [...byScope.entries()].map(([scopeText, updates]) => {
    const { manager, dir } = parseScope(scopeText) as { manager: 'npm' | 'yarn' | 'pnpm'; dir: string };
    const exact = dir === GLOBAL || ctx.options.allow_major;
    const argv = exact
      ? installExactArgv(
          manager,
          dir,
          updates.map((u) => `${u.name}@${u.to}`),
          ctx.options.production,
        )
      : updateInRangeArgv(
          manager,
          dir,
          updates.map((u) => u.name),
          ctx.options.production,
        );
    const where = dir === GLOBAL ? 'global npm packages' : dir;
    return {
      id: `${exact ? 'install' : 'update'}:${scopeText}`,
      title: `${manager}: ${exact ? 'install the checked versions' : 'update within declared ranges'} in ${where} (${updates.length})`,
      argv,
      updates,
    };
  });
}
