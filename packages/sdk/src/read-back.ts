import type { Logger } from './logger.js';
import type { PlanStep, Update } from './results.js';

/**
 * After apply: what each planned update really became, read back from the package manager once
 * per scope (a project, a venv, a binary's directory). An update is `changed` when the installed
 * version now differs from its `from`; one that did not move is logged, not reported (the
 * engine's verify re-runs check and fails the container if it is still pending). Scopes are read
 * in plan order; `installedIn` gets each distinct scope once (`''` for updates without one). In a
 * dry run (`dryRun: true`) nothing moved, so nothing is logged.
 */
export async function readBackChanges(
  plan: readonly PlanStep[],
  installedIn: (scope: string) => Promise<ReadonlyMap<string, string>>,
  context: { log: Logger; dryRun: boolean },
): Promise<Update[]> {
  const byScope = new Map<string, Update[]>();
  for (const update of plan.flatMap((s) => s.updates)) {
    const key = update.scope ?? '';
    byScope.set(key, [...(byScope.get(key) ?? []), update]);
  }
  const changed: Update[] = [];
  for (const [scope, updates] of byScope) {
    const installed = await installedIn(scope);
    for (const update of updates) {
      const now = installed.get(update.name);
      if (now !== undefined && now !== update.from) {
        changed.push({ name: update.name, from: update.from, to: now, ...(update.scope !== undefined ? { scope: update.scope } : {}) });
      } else if (!context.dryRun)
        context.log.warn({ update, installed: now ?? null }, 'planned update did not change the installed version');
    }
  }
  return changed;
}
