import { type CheckResult, type PlanStep, type RunnerContext, UnrotError } from '@unrot/sdk';
import { upgradeArgv } from './argv.js';
import { assertRpmName } from './names.js';
import type { DnfOptions } from './options.js';

// What check writes into `to`: [epoch:]version-release.
// check names a multilib package NAME.ARCH; a plain name may contain dots too (python3.11).
const RPM_ARCHES = new Set(['noarch', 'x86_64', 'i686', 'i386', 'aarch64', 'armv7hl', 'ppc64le', 's390x', 'riscv64']);
const EVR = /^(?:[0-9]{1,10}:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$/;

/**
 * Mode upgrade-minimal pins each package to the version check found (`NAME-[E:]V-R`, `.ARCH`
 * for a multilib name.arch): the same argv for dnf 4 (`upgrade-minimal`) and dnf5
 * (`upgrade --minimal`) and exactly the versions `unrot plan` shows.
 */
function minimalSpec(name: string, to: string): string {
  if (!EVR.test(to)) throw new UnrotError('E_RUNNER_UNSAFE_NAME', `not an rpm version: ${JSON.stringify(to)}`, { name, to });
  const dot = name.lastIndexOf('.');
  const arch = dot > 0 ? name.slice(dot + 1) : '';
  return RPM_ARCHES.has(arch) ? `${name.slice(0, dot)}-${to}.${arch}` : `${name}-${to}`;
}

/** One `dnf -y upgrade` of exactly the packages check reported; excluded packages are never named and are `--exclude`d. */
export function planDnf(ctx: RunnerContext<DnfOptions>, check: CheckResult): PlanStep[] {
  if (check.updates.length === 0) return [];
  const o = ctx.options;
  // Re-checked here: plan never trusts names it did not validate itself.
  for (const u of check.updates) assertRpmName(u.name, 'plan');
  const specs = o.mode === 'upgrade-minimal' ? check.updates.map((u) => minimalSpec(u.name, u.to)) : check.updates.map((u) => u.name);
  return [
    {
      id: o.mode === 'upgrade-minimal' ? 'dnf-upgrade-minimal' : 'dnf-upgrade',
      title: `dnf upgrade${o.security ? ' --security' : ''}${o.mode === 'upgrade-minimal' ? ' (minimal versions)' : ''} (${specs.length} packages)`,
      argv: upgradeArgv(o, ctx.exclusions, specs),
      timeoutMs: (o.lock_timeout_s + 3600) * 1000,
      updates: check.updates,
    },
  ];
}
