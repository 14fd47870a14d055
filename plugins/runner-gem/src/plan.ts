import { type CheckResult, type PlanStep, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { bundlerScopeDir, bundleUpdateArgv, gemInstallExactArgv, projectDir, SYSTEM_SCOPE } from './commands.js';
import { assertSafeName, assertSafeVersion } from './names.js';
import type { GemOptions } from './options.js';

/** Pure: one step per Bundler project, then one for system gems, in check order. */
export function planGem(ctx: RunnerContext<GemOptions>, check: CheckResult): PlanStep[] {
  const allowedDirs = new Set(ctx.options.projects.map(projectDir));
  const byScope = new Map<string, Update[]>();
  for (const update of check.updates) {
    const scope = update.scope ?? '';
    const dir = bundlerScopeDir(scope);
    const known = dir !== undefined ? allowedDirs.has(dir) : scope === SYSTEM_SCOPE && ctx.options.system;
    if (!known) {
      throw new UnrotError('E_RUNNER_INVALID_OUTPUT', `update ${update.name} has a scope this runner's options do not name: ${scope}`, {
        scope,
      });
    }
    // The check result may have been stored and read back: re-validate before argv.
    assertSafeName(update.name, 'check result');
    assertSafeVersion(update.name, update.to, 'check result');
    byScope.set(scope, [...(byScope.get(scope) ?? []), update]);
  }
  return [...byScope.entries()].map(([scope, updates]): PlanStep => {
    const dir = bundlerScopeDir(scope);
    if (dir !== undefined) {
      return {
        id: `bundle-update:${dir}`,
        title: `bundler: update within the Gemfile's requirements in ${dir} (${updates.length})`,
        argv: bundleUpdateArgv(
          dir,
          updates.map((u) => u.name),
        ),
        updates,
      };
    }
    return {
      id: 'gem-install:system',
      title: `gem: install the checked versions of system gems (${updates.length})`,
      argv: gemInstallExactArgv(updates.map((u) => ({ name: u.name, version: u.to }))),
      updates,
    };
  });
}
