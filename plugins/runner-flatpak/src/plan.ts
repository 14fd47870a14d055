import { type CheckResult, type PlanStep, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { commands, describeInstallation, formatScope, installationsOf, parseScope } from './installation.js';
import { isLabel } from './labels.js';
import type { FlatpakOptions } from './options.js';
import { assertRef, fullRef } from './refs.js';

/** An update's name is the full ref check read (app/ID/ARCH/BRANCH); re-validated, it goes to argv as is. */
function refArgument(update: Update): string {
  return fullRef(assertRef(update.name, 'check result'));
}

/** Pure: one `flatpak update` per installation, naming exactly the refs check found pending. */
export function planFlatpak(ctx: RunnerContext<FlatpakOptions>, check: CheckResult): PlanStep[] {
  const allowed = new Set(installationsOf(ctx.options).map(formatScope));
  const byScope = new Map<string, Update[]>();
  for (const update of check.updates) {
    if (update.scope === undefined || !allowed.has(update.scope) || !parseScope(update.scope)) {
      throw new UnrotError(
        'E_RUNNER_INVALID_OUTPUT',
        `update ${update.name} has a scope this runner's options do not name: ${update.scope}`,
        {
          scope: update.scope,
        },
      );
    }
    // The check result may have been stored and read back: re-validate (its to is a version or
    // a commit, shown in the plan, never put into argv).
    if (!isLabel(update.to)) {
      throw new UnrotError('E_RUNNER_UNSAFE_NAME', `check result gave ${update.name} a target that is neither a version nor a commit`, {
        name: update.name,
        to: update.to,
      });
    }
    byScope.set(update.scope, [...(byScope.get(update.scope) ?? []), update]);
  }
  return [...byScope.entries()].map(([scope, updates]) => {
    const installation = parseScope(scope) as NonNullable<ReturnType<typeof parseScope>>;
    return {
      id: `update:${scope}`,
      title: `flatpak: update ${updates.length} ref(s) in ${describeInstallation(installation)}`,
      argv: commands.update(installation, updates.map(refArgument)),
      updates,
    };
  });
}
