import { type CheckResult, type PlanStep, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { caretSpec, parseScope, requireArgv, updateArgv } from './commands.js';
import { assertSafeName, assertSafeVersion } from './names.js';
import type { ComposerOptions } from './options.js';
import { projectDir } from './project.js';

/**
 * Pure. Within constraints: one `composer update NAMES --with-dependencies` per project.
 * allow_major: one `composer require NAME:^VERSION…` per project (and one `--dev` for
 * require-dev), so composer.json's constraints follow and the next `composer install` agrees.
 */
export function planComposer(ctx: RunnerContext<ComposerOptions>, check: CheckResult): PlanStep[] {
  const allowedDirs = new Set(ctx.options.projects.map(projectDir));
  const groups = new Map<string, { dir: string; dev: boolean; updates: Update[] }>();
  for (const update of check.updates) {
    const scope = parseScope(update.scope);
    if (scope === undefined || !allowedDirs.has(scope.dir)) {
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
    const dev = ctx.options.allow_major && scope.dev;
    const key = `${scope.dir}\u0000${dev}`;
    const group = groups.get(key) ?? { dir: scope.dir, dev, updates: [] };
    group.updates.push(update);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ dir, dev, updates }) => {
    if (ctx.options.allow_major) {
      const kind = dev ? 'require-dev' : 'require';
      return {
        id: `${kind}:${dir}`,
        title: `composer: require the checked versions${dev ? ' (require-dev)' : ''} in ${dir} (${updates.length})`,
        argv: requireArgv(
          dir,
          updates.map((u) => caretSpec(u.name, u.to)),
          dev,
          ctx.options,
        ),
        updates,
      };
    }
    return {
      id: `update:${dir}`,
      title: `composer: update within the constraints of composer.json in ${dir} (${updates.length})`,
      argv: updateArgv(
        dir,
        updates.map((u) => u.name),
        ctx.options,
      ),
      updates,
    };
  });
}
