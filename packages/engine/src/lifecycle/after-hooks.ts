import { toUnrotError } from '@unrot/sdk';
import type { ContainerReport } from './container-result.js';
import { hookContextOf, hookDeps, hooksReport } from './container-steps.js';
import type { ContainerTask } from './container-task.js';
import type { HookPhase } from './hook-run.js';
import { runHookList } from './hook-run.js';
import type { PipelineState, StepEnv } from './pipeline-state.js';

type HooksReport = NonNullable<ContainerReport['hooks']>;

/** The hook lists run after the walk, as docs/design.md's lifecycle table shows them (render-lifecycle-table.ts). */
export const AFTER_WALK_ROWS = [
  {
    step: 'on-rollback (hooks)',
    when: 'after a completed rollback, `on_rollback` not empty (inside the restored container)',
  },
  {
    step: 'on-failure (hooks)',
    when: 'the container failed (after its rollback, if any), `on_failure` not empty',
  },
] as const;

/**
 * Policy `on_rollback` (after a completed rollback, inside the restored container) and
 * `on_failure` (any failed container, after its rollback if any). They run once the walk and the
 * safety net are done, so nothing they do can change the outcome: a failure is a warning in the
 * log and on the hook's report entry. In a plan they are listed, not run.
 */
export async function runAfterHooks(
  task: ContainerTask,
  state: PipelineState,
  env: StepEnv,
  signal: AbortSignal,
): Promise<HooksReport | undefined> {
  const hooks = task.hooks;
  if (!hooks || (!hooks.onRollback?.length && !hooks.onFailure?.length)) return state.hooks;
  const vmid = task.container.vmid;
  if (task.dryRun) {
    const pending = state.runners.some((r) => r.steps.length > 0);
    return state.hooks ?? (pending ? hooksReport(hooks, true, env.host, vmid) : undefined);
  }
  const failed = state.skip === undefined && state.failure !== undefined;
  const phases: Array<[HookPhase, 'onRollback' | 'onFailure']> = [];
  if (failed && state.rolledBack && hooks.onRollback?.length) phases.push(['on_rollback', 'onRollback']);
  if (failed && hooks.onFailure?.length) phases.push(['on_failure', 'onFailure']);
  if (phases.length === 0) return state.hooks;

  const report = structuredClone(state.hooks ?? hooksReport(hooks, false, env.host, vmid));
  for (const [phase, key] of phases) {
    const list = hooks[key] ?? [];
    const entries = report[key] ?? hooksReport(hooks, false, env.host, vmid)[key] ?? [];
    report[key] = entries;
    try {
      const ended = await runHookList(list, hookContextOf(task, state, phase), hookDeps(task, env, signal), entries);
      if (ended.kind !== 'failed') continue;
      const entry = entries[list.indexOf(ended.hook)];
      const warning = `${ended.error.code}: ${ended.error.message}`;
      if (entry) entry.warning = warning;
      env.log.warn(
        { phase, argv: ended.hook.argv, code: ended.error.code, err: ended.error.message },
        `${phase} hook failed; the outcome stays`,
      );
    } catch (error) {
      env.log.warn({ phase, err: toUnrotError(error).message }, `${phase} hooks could not run; the outcome stays`);
    }
  }
  return report;
}
