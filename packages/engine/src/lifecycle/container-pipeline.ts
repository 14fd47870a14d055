import type { TSchema } from '@sinclair/typebox';
import { type Runner, type RunnerContext, toUnrotError } from '@unrot/sdk';
import { ContainerHealth } from '../health/index.js';
import { setBackupResult } from '../safety/backup-index.js';
import { clearJournal } from '../safety/journal.js';
import { pruneOwnBackups } from '../safety/retention.js';
import { runAfterHooks } from './after-hooks.js';
import type { ContainerReport } from './container-result.js';
import { CONTAINER_STEPS } from './container-steps.js';
import type { ContainerTask, PipelineDeps } from './container-task.js';
import { createEngineExec } from './engine-exec.js';
import { outputOf } from './output-tail.js';
import type { PipelineState, StepEnv } from './pipeline-state.js';
import { walkContainer } from './walk-lifecycle.js';

export type { ContainerTask, Emit, PipelineDeps, TaskHooks, TaskPreflight, TimeoutsMs } from './container-task.js';
export { StepError } from './step-error.js';
export { containerDeadlineMs } from './step-table.js';

/**
 * One container's way through the lifecycle table (step-table.ts): the walker runs the rows,
 * the step bodies (container-steps.ts) do the work, then the safety net's closing decisions
 * (journal, backup index, retention) are made and the report is built from the final state.
 * A failure ends this container only; the caller runs many of these side by side.
 */
export async function runContainerPipeline(task: ContainerTask, deps: PipelineDeps): Promise<ContainerReport> {
  const started = Date.now();
  const { container, runId, dryRun } = task;
  const vmid = container.vmid;
  const { host, emit, log } = deps;
  const runners = new Map<string, Runner<TSchema>>();
  let changingCommands = 0;
  let health: ContainerHealth | undefined;
  // The newest command that exited non-zero with output: a runner that wraps its failure in its own
  // error (naming the argv) still gets the command's own words into error.output.
  let lastFailed: { argv: readonly string[]; output: string[] } | undefined;

  // The only exec a runner gets: dry-run and "change only in apply" are enforced here; every command is logged and counted.
  const context = (label: string, options: unknown, signal: AbortSignal, allowChange = false): RunnerContext<unknown> => ({
    exec: createEngineExec({
      host,
      vmid,
      dryRun,
      signal,
      allowChange,
      // A runner's own apply limit (runner_limits) bounds its commands too.
      defaultTimeoutMs: task.runners.find((r) => r.id === label)?.timeoutsMs?.apply ?? task.timeoutsMs.apply,
      onRecord: (record) => {
        if (record.kind === 'change' && record.executed) changingCommands++;
        log.info({ runner: label, exec: record }, record.executed ? 'exec' : 'exec recorded (dry-run)');
        emit('exec', { runId, vmid, runner: label, record });
      },
      onFailedOutput: ({ argv, exitCode, output }) => {
        lastFailed = { argv, output };
        // Redacted by the log's destination (the worker's redacting stream), like every other line.
        log.warn({ runner: label, argv, exitCode, output }, 'command exited non-zero: last lines of its output');
      },
    }),
    log,
    signal,
    options,
    container: task.container,
    exclusions: task.exclusions,
  });
  const checks = task.healthChecks ?? [];
  const env: StepEnv = {
    host,
    log,
    context,
    runner(id) {
      const runner = runners.get(id);
      if (!runner) throw new Error(`runner ${id} was not loaded`);
      return runner;
    },
    // One schedule per check before anything changes (the baseline), again inside verify.
    health(address) {
      if (checks.length === 0) return undefined;
      health ??= new ContainerHealth({
        checks,
        container: task.container,
        stateDir: task.stateDir,
        ...(deps.loadProbe ? { loadProbe: deps.loadProbe } : {}),
        log,
        address: () => address,
        readExec: (name, signal) => ({ read: context(`probe:${name}`, undefined, signal).exec.read }),
      });
      return health;
    },
  };

  const state = await walkContainer(task, {
    env,
    bodies: CONTAINER_STEPS,
    emit,
    signal: deps.signal,
    ...(deps.stopRequested ? { stopRequested: deps.stopRequested } : {}),
    ...(deps.caps ? { caps: deps.caps } : {}),
    async loadRunner(spec) {
      const runner = await deps.loadRunner(spec.id, spec.modulePath);
      runners.set(spec.id, runner);
      return { hasSources: typeof runner.sources === 'function' };
    },
  });
  const closing = dryRun ? {} : await settleSafetyNet(task, state, deps);
  // After the safety net settled: an on_rollback / on_failure hook cannot change the outcome.
  const hooks = await runAfterHooks(task, state, env, deps.signal);

  const outcome = outcomeOf(state, dryRun);
  const error = state.rollbackFailure ?? state.failure;
  const report: ContainerReport = {
    vmid,
    name: container.name,
    status: container.status,
    unprivileged: container.unprivileged,
    tags: container.tags,
    // The node it ran on: the listing's, or the one the host followed it to after a migration.
    ...(container.node !== undefined
      ? { node: deps.host.currentNode?.(vmid) ?? container.node, startedAt: new Date(started).toISOString() }
      : {}),
    outcome,
    ...(state.skip ? { skipReason: state.skip.reason, skipDetail: state.skip.detail } : {}),
    ...(error && outcome !== 'skipped' ? { error: withOutput(error.toInfo(), error.details, lastFailed) } : {}),
    runners: state.runners.map((r) => r.report),
    ...(state.backupReport ? { backup: state.backupReport } : {}),
    ...(state.rollback ? { rollback: state.rollback } : {}),
    ...closing,
    ...(state.preflight ? { preflight: state.preflight } : {}),
    ...(state.capWaits ? { capWaits: state.capWaits } : {}),
    ...(hooks ? { hooks } : {}),
    ...(state.restart ? { restart: state.restart } : {}),
    ...(state.guardedPaths ? { guardedPaths: state.guardedPaths } : {}),
    ...(health && state.walked.some((w) => w.id === 'baseline') ? { health: health.reports } : {}),
    changingCommands: dryRun ? state.plannedChanges : changingCommands,
    durationMs: Date.now() - started,
    ...(task.logFile ? { logFile: task.logFile } : {}),
  };
  emit('container:end', { runId, vmid, outcome });
  log.info({ outcome, durationMs: report.durationMs, changingCommands: report.changingCommands }, 'container finished');
  return report;
}

/** error.output: the failing command's tail from the error, else from the newest failed command the error names by argv. */
function withOutput(
  info: NonNullable<ContainerReport['error']>,
  details: Record<string, unknown>,
  lastFailed: { argv: readonly string[]; output: string[] } | undefined,
): NonNullable<ContainerReport['error']> {
  if (info.output || !lastFailed) return info;
  const argv = details['argv'];
  const same = Array.isArray(argv) && argv.length === lastFailed.argv.length && argv.every((a, i) => a === lastFailed.argv[i]);
  const output = same ? outputOf({ output: lastFailed.output }) : undefined;
  return output ? { ...info, output } : info;
}

function outcomeOf(state: PipelineState, dryRun: boolean): ContainerReport['outcome'] {
  if (state.skip) return 'skipped';
  if (state.rollbackFailure) return 'failed';
  if (state.rolledBack) return 'rolled-back';
  if (state.failure) return 'failed';
  const pending = state.runners.some((r) => r.steps.length > 0);
  if (!pending) return 'nothing-to-do';
  return dryRun ? 'planned' : 'updated';
}

/**
 * The safety net's closing decisions, once the walk ended: the journal is cleared unless a
 * rollback failed (the next run finishes it), the backup index records how the update ended,
 * and after a good update retention prunes unrot's own old backups.
 */
async function settleSafetyNet(
  task: ContainerTask,
  state: PipelineState,
  deps: PipelineDeps,
): Promise<Pick<ContainerReport, 'pruned' | 'pruneError'>> {
  const { stateDir, runId } = task;
  const vmid = task.container.vmid;
  if (state.journal === undefined || state.rollbackFailure) return {};
  await clearJournal(stateDir, vmid);
  if (!state.backup) return {};
  if (state.rolledBack) {
    await setBackupResult(stateDir, vmid, runId, 'rolled-back');
    return {};
  }
  if (state.failure || state.skip) {
    await setBackupResult(stateDir, vmid, runId, 'failed');
    return {};
  }
  await setBackupResult(stateDir, vmid, runId, 'updated');
  try {
    const pruned = await pruneOwnBackups(deps.host, stateDir, vmid, task.backup.keep, {
      dryRun: false,
      timeoutMs: task.timeoutsMs.backup,
      signal: deps.signal,
      trustIndex: true,
      storage: task.backup.vzdumpStorage,
    });
    // Anything the index names that is not provably unrot's own is kept, and said so loudly.
    for (const r of pruned.refused ?? []) deps.log.warn({ target: r.target, reason: r.reason }, 'retention refused to delete');
    if (pruned.quarantined) deps.log.error({ quarantine: pruned.quarantined }, 'backup index quarantined');
    return pruned.deleted.length > 0 ? { pruned: pruned.deleted } : {};
  } catch (error) {
    // Retention is housekeeping: a failure is reported, never turned into a failed update.
    deps.log.warn({ err: toUnrotError(error).message }, 'pruning old backups failed');
    return { pruneError: toUnrotError(error).message };
  }
}
