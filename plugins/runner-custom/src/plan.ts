import { type CheckResult, isExcluded, type PlanStep, type RunnerContext, UnrotError } from '@unrot/sdk';
import { stepArgv, stepTimeoutMs } from './argv.js';
import type { CustomOptions } from './options.js';
import { validateCommands } from './validate-commands.js';

export const STEP_PREFIX = 'custom-';

/**
 * One step per due command, in the order of the options. Only a command gated by only_if
 * carries its update: verify re-runs check, and an only_if that still says "due" after apply
 * means the command did not do its job. An ungated command is due on every check, so it
 * carries none (otherwise verify would always find it "still pending").
 */
export function planCustom(ctx: RunnerContext<CustomOptions>, check: CheckResult): PlanStep[] {
  const commands = validateCommands(ctx.options);
  const due = new Map(check.updates.map((u) => [u.name, u]));
  for (const name of due.keys()) {
    if (!commands.some((c) => c.name === name))
      throw new UnrotError('E_INTERNAL', `check reported '${name}', which is not a configured custom command`);
  }
  return commands.flatMap((c): PlanStep[] => {
    const update = due.get(c.name);
    // Exclusions are re-applied: plan never runs what check should have withheld.
    if (!update || isExcluded(c.name, ctx.exclusions)) return [];
    const timeoutMs = stepTimeoutMs(c);
    return [
      {
        id: `${STEP_PREFIX}${c.name}`,
        title: `custom command ${c.name}${c.timeout === undefined ? '' : ` (ended after ${c.timeout} s)`}`,
        argv: stepArgv(c),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        updates: c.only_if ? [update] : [],
      },
    ];
  });
}
