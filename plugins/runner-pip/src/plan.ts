import { type CheckResult, type PlanStep, UnrotError, type Update } from '@unrot/sdk';
import { assertSafeName, assertSafeVersion } from './names.js';
import type { PipOptions } from './options.js';
import { PIPX_SCOPE_PREFIX, type PipTarget, pipArgv, pipTargets, pipxArgv } from './targets.js';

/** Where a scope from a check result lives; only scopes this policy configures are accepted. */
export type ScopeTarget = { kind: 'pip'; target: PipTarget } | { kind: 'pipx'; venv: string };

export function resolveScope(scope: string | undefined, options: PipOptions): ScopeTarget {
  if (scope?.startsWith(PIPX_SCOPE_PREFIX) && options.pipx)
    return { kind: 'pipx', venv: assertSafeName(scope.slice(PIPX_SCOPE_PREFIX.length)) };
  const target = pipTargets(options).find((t) => t.scope === scope);
  if (!target)
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `update scope ${JSON.stringify(scope)} is not a configured venv, system or pipx app`, {
      scope,
    });
  return { kind: 'pip', target };
}

/** Pure: one pip install per venv with exact pins (so what runs is what check found), one pipx upgrade per app. */
export function planSteps(options: PipOptions, check: CheckResult): PlanStep[] {
  const byScope = new Map<string, Update[]>();
  for (const u of check.updates) {
    const key = u.scope ?? '';
    byScope.set(key, [...(byScope.get(key) ?? []), u]);
  }
  const steps: PlanStep[] = [];
  for (const [scope, updates] of byScope) {
    const where = resolveScope(scope, options);
    const pins = updates.map((u) => `${assertSafeName(u.name)}==${assertSafeVersion(u.name, u.to)}`);
    if (where.kind === 'pip') {
      steps.push({
        id: `pip:${scope}`,
        title: `pip install ${pins.join(' ')} in ${scope}`,
        argv: pipArgv.install(where.target, options, pins),
        updates,
      });
    } else {
      steps.push({ id: `pipx:${where.venv}`, title: `pipx upgrade ${where.venv}`, argv: pipxArgv.upgrade(where.venv), updates });
    }
  }
  return steps;
}
