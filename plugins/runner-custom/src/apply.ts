import { type ApplyResult, type PlanStep, type RunnerContext, type StepOutcome, UnrotError, type Update } from '@unrot/sdk';
import { ALL_EXIT_CODES } from './argv.js';
import type { CustomCommand, CustomOptions } from './options.js';
import { exitError, withSubject } from './outcome.js';
import { STEP_PREFIX } from './plan.js';
import { validateCommands } from './validate-commands.js';

function commandOf(commands: readonly CustomCommand[], step: PlanStep): CustomCommand {
  const c = commands.find((x) => `${STEP_PREFIX}${x.name}` === step.id);
  if (!c) throw new UnrotError('E_INTERNAL', `plan step ${step.id} is not a configured custom command`, { step: step.id });
  return c;
}

/**
 * Runs the plan's argv in order. The first command that fails (or an abort between two
 * commands) stops the rest; the error names the command, what already ran and what did not.
 */
export async function applyCustom(ctx: RunnerContext<CustomOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const commands = validateCommands(ctx.options);
  const steps: StepOutcome[] = [];
  const changed: Update[] = [];
  for (const [i, step] of plan.entries()) {
    const c = commandOf(commands, step);
    const progress = { command: c.name, completed: steps.map((s) => s.id), notRun: plan.slice(i + 1).map((s) => s.id) };
    if (ctx.signal.aborted) {
      throw new UnrotError('E_EXEC_ABORTED', `custom runner aborted before '${c.name}'`, {
        ...progress,
        notRun: plan.slice(i).map((s) => s.id),
      });
    }
    const subject = `custom command '${c.name}'`;
    let r: Awaited<ReturnType<typeof ctx.exec.change>>;
    try {
      r = await ctx.exec.change(step.argv, {
        okExitCodes: ALL_EXIT_CODES,
        ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
      });
    } catch (thrown) {
      throw withSubject(thrown, subject, progress);
    }
    // The engine fills in the schema default; a hand-built context may not.
    if (!(c.ok_exit_codes ?? [0]).includes(r.exitCode)) throw exitError(r, subject, c.argv[0] ?? '', c.timeout, progress);
    steps.push({ id: step.id, argv: [...step.argv], exitCode: r.exitCode, durationMs: r.durationMs });
    // In dry-run nothing ran, so nothing changed.
    if (!r.dryRun) changed.push({ name: c.name, from: 'due', to: `ran (exit ${r.exitCode})`, scope: c.only_if ? 'only_if' : 'always' });
  }
  return { changed, steps };
}
