import type { CheckResult, PlanStep, RunnerContext } from '@unrot/sdk';
import { upgradeArgv } from './argv.js';
import { assertPacmanName, EXCLUDED_REASON } from './names.js';
import type { PacmanOptions } from './options.js';

/**
 * One step, always the full upgrade `pacman -Syu --noconfirm`: Arch supports no partial upgrade
 * (`pacman -Sy` followed by `-S some-packages` can leave libraries and their users out of step),
 * so packages are never named for installation. Exclusions become `--ignore` with the concrete
 * names check found pending (globs already expanded), the one skip pacman itself supports.
 */
export function planPacman(ctx: RunnerContext<PacmanOptions>, check: CheckResult): PlanStep[] {
  if (check.updates.length === 0) return [];
  // Re-checked here: plan never trusts names it did not validate itself.
  for (const u of check.updates) assertPacmanName(u.name, 'plan');
  const ignore = check.withheld.filter((w) => w.reason === EXCLUDED_REASON).map((w) => assertPacmanName(w.name, 'plan --ignore'));
  return [
    {
      id: 'pacman-syu',
      title: `pacman -Syu (${check.updates.length} packages${ignore.length > 0 ? `; --ignore ${ignore.join(',')}` : ''})`,
      argv: upgradeArgv(ignore),
      timeoutMs: (ctx.options.lock_timeout_s + 3600) * 1000,
      updates: check.updates,
    },
  ];
}
