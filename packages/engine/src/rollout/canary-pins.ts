import type { CheckResult } from '@unrot/sdk';
import type { ContainerReport } from '../lifecycle/container-result.js';
import type { CanaryPins } from './rollout-state.js';

const byVersion = new Intl.Collator('en', { numeric: true });

/**
 * The canary's versions after its wave: per runner, per package, the `to` of every container the
 * wave updated (rolled-back and failed containers prove nothing). A package the canary installed
 * replaces what an earlier rollout pinned for it; other pins are kept, so a package the canary
 * already had stays pinned to the version it proved.
 */
export function recordCanaryPins(previous: CanaryPins, reports: readonly ContainerReport[]): CanaryPins {
  const fresh = new Map<string, Map<string, Set<string>>>();
  for (const report of reports.filter((r) => r.outcome === 'updated'))
    for (const runner of report.runners)
      for (const change of runner.changed) {
        const packages = fresh.get(runner.id) ?? new Map<string, Set<string>>();
        fresh.set(runner.id, packages);
        packages.set(change.name, (packages.get(change.name) ?? new Set()).add(change.to));
      }
  const pins: CanaryPins = structuredClone(previous);
  for (const [runner, packages] of fresh) {
    const target = pins[runner] ?? {};
    // Bounded like the state file's schema: the newest 16 versions seen.
    for (const [name, versions] of packages) target[name] = [...versions].sort(byVersion.compare).slice(-16);
    pins[runner] = target;
  }
  return pins;
}

/** Why `to` is not installed: newer than every version the canary proved, or just another one. */
function withheldReason(to: string, pinned: readonly string[]): string {
  const newest = [...pinned].sort(byVersion.compare).at(-1) ?? '';
  return byVersion.compare(to, newest) > 0
    ? `newer than the canary's (${pinned.join(', ')})`
    : `not the canary's version (${pinned.join(', ')})`;
}

/**
 * A later wave's check, held to the canary: an update to a version the canary did not install
 * is withheld (with the reason) instead of planned; packages the canary never had are not
 * pinned. Runs in the engine on every runner's check result, so no runner can plan a newer one.
 */
export function holdToCanary(checked: CheckResult, pins: Readonly<Record<string, readonly string[]>> | undefined): CheckResult {
  if (!pins) return checked;
  const updates: CheckResult['updates'] = [];
  const withheld = [...checked.withheld];
  for (const update of checked.updates) {
    const pinned = pins[update.name];
    if (!pinned || pinned.includes(update.to)) updates.push(update);
    else withheld.push({ name: update.name, reason: withheldReason(update.to, pinned) });
  }
  return { updates, withheld };
}
