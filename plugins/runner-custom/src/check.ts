import { type CheckResult, isExcluded, type RunnerContext, type Update } from '@unrot/sdk';
import { ALL_EXIT_CODES } from './argv.js';
import type { CustomCommand, CustomOptions } from './options.js';
import { exitError, throwIfAborted, withSubject } from './outcome.js';
import { validateCommands } from './validate-commands.js';

/** Exit codes up to this mean "not due"; 126/127 (cannot run) and signals (128+) are failures. */
const LAST_NOT_DUE_EXIT = 125;

/**
 * A due command as an update. `scope` tells the two kinds apart in reports and keeps their
 * verification keys (`scope\0name`) stable between check runs.
 */
export const dueUpdate = (c: CustomCommand): Update => ({ name: c.name, from: 'due', to: 'run', scope: c.only_if ? 'only_if' : 'always' });

async function isDue(ctx: RunnerContext<CustomOptions>, c: CustomCommand, onlyIf: readonly string[]): Promise<boolean> {
  throwIfAborted(ctx.signal, 'check');
  const subject = `only_if of custom command '${c.name}'`;
  let r: Awaited<ReturnType<typeof ctx.exec.read>>;
  try {
    r = await ctx.exec.read(onlyIf, { okExitCodes: ALL_EXIT_CODES });
  } catch (thrown) {
    throw withSubject(thrown, subject, { command: c.name });
  }
  if (r.exitCode === 0) return true;
  if (r.exitCode <= LAST_NOT_DUE_EXIT) {
    ctx.log.debug({ command: c.name, exitCode: r.exitCode }, 'custom command not due (only_if exited non-zero)');
    return false;
  }
  throw exitError(r, subject, onlyIf[0] ?? '', undefined, { command: c.name });
}

/**
 * Runs each non-excluded command's only_if (read-only) and reports the due commands, in order.
 * Commands without only_if are always due.
 */
export async function checkCustom(ctx: RunnerContext<CustomOptions>): Promise<CheckResult> {
  throwIfAborted(ctx.signal, 'check');
  const result: CheckResult = { updates: [], withheld: [] };
  for (const c of validateCommands(ctx.options)) {
    if (isExcluded(c.name, ctx.exclusions)) {
      result.withheld.push({ name: c.name, reason: c.only_if ? 'excluded by policy (its only_if was not run)' : 'excluded by policy' });
    } else if (!c.only_if || (await isDue(ctx, c, c.only_if))) result.updates.push(dueUpdate(c));
  }
  return result;
}
