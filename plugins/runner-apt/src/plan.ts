import type { CheckResult, PlanStep, RunnerContext } from '@unrot/sdk';
import { installArgv, installExactArgv, upgradeArgv } from './argv.js';
import { assertDebianPackageName, assertDebianVersion, exclusionInTheWay } from './names.js';
import type { AptOptions } from './options.js';

/**
 * Exclusions are honoured by not naming them, never with `apt-mark hold`: nothing is left
 * behind in the container if a run dies half-way.
 *
 * When no exclusion matched anything apt wanted to change, the plan is `apt-get upgrade` /
 * `dist-upgrade` itself: exactly what check simulated, and (measured with apt 2.6) unlike
 * `install --only-upgrade PKG…` it does not turn automatically installed packages into
 * manually installed ones. Only when an exclusion must be kept out are packages named.
 */
export function planApt(ctx: RunnerContext<AptOptions>, check: CheckResult): PlanStep[] {
  if (check.updates.length === 0) return [];
  // Re-checked here too: plan never trusts names it did not validate itself (apply's readback names them).
  for (const u of check.updates) assertDebianPackageName(u.name, 'plan');
  const o = ctx.options;
  const timeoutMs = (o.lock_timeout_s + 3600) * 1000;
  if (ctx.exactVersions) {
    // Held to the canary's versions: `apt-get upgrade` would take whatever the mirror offers at
    // apply time (and packages the engine withheld); naming name=version installs only those.
    const pins = check.updates.map((u) => `${u.name}=${assertDebianVersion(u.name, u.to, 'plan')}`);
    const onlyUpgrade = check.updates.every((u) => u.from !== null);
    return [
      {
        id: 'apt-install-exact',
        title: `apt-get install ${onlyUpgrade ? '--only-upgrade ' : ''}(${pins.length} packages at the versions checked)`,
        argv: installExactArgv(o, pins, onlyUpgrade),
        timeoutMs,
        updates: check.updates,
      },
    ];
  }
  if (!exclusionInTheWay(check.withheld, ctx.exclusions)) {
    const verb = o.mode === 'full-upgrade' ? 'dist-upgrade' : 'upgrade';
    return [
      {
        id: `apt-${verb}`,
        title: `apt-get ${verb} (${check.updates.length} packages)`,
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
      id: 'apt-install-only-upgrade',
      title: `apt-get install --only-upgrade (${names.length} packages; exclusions kept out)`,
      argv: installArgv(o, names),
      timeoutMs,
      updates: check.updates,
    },
  ];
}
