import type { CheckResult, PlanStep, RunnerContext } from '@unrot/sdk';
import { upgradeArgv } from './argv.js';
import { assertApkPackageName, exclusionInTheWay } from './names.js';
import type { ApkOptions } from './options.js';

/**
 * Without an exclusion in the way the plan is `apk upgrade` itself, exactly what check
 * simulated. With one, the non-excluded upgradable packages are named: `apk upgrade NAME…`
 * upgrades only those (and what they need) and leaves /etc/apk/world as it is. Never
 * `apk add -u NAME`: measured with apk-tools 2.14.10, it rewrites a pinned world entry
 * `NAME=1.0-r0` to `NAME` and upgrades past the pin.
 */
export function planApk(ctx: RunnerContext<ApkOptions>, check: CheckResult): PlanStep[] {
  if (check.updates.length === 0) return [];
  // Re-checked here too: plan never trusts names it did not validate itself.
  for (const u of check.updates) assertApkPackageName(u.name, 'plan');
  const o = ctx.options;
  const timeoutMs = (o.lock_timeout_s + 3600) * 1000;
  if (!exclusionInTheWay(check.withheld, ctx.exclusions)) {
    return [
      {
        id: 'apk-upgrade',
        title: `apk upgrade (${check.updates.length} packages)`,
        argv: upgradeArgv(o),
        timeoutMs,
        updates: check.updates,
      },
    ];
  }
  const names = check.updates.filter((u) => u.from !== null).map((u) => u.name);
  if (names.length === 0) return [];
  return [
    {
      id: 'apk-upgrade-named',
      title: `apk upgrade of ${names.length} named packages (exclusions kept out)`,
      argv: upgradeArgv(o, names),
      timeoutMs,
      updates: check.updates,
    },
  ];
}
