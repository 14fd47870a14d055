import { existsSync } from 'node:fs';
import { UnrotError } from '@unrot/sdk';
import { runnerCapKey, storageCapKey } from '../fleet/caps.js';
import { backupStorageOf } from '../preflight/backup-storage.js';
import { writeJournal } from '../safety/journal.js';
import type { CapClient, ContainerTask, Emit } from './container-task.js';
import type { PipelineState, RunnerState, StepBodies, StepEnv, StepInput, StepResult } from './pipeline-state.js';
import { INITIAL_STATE } from './pipeline-state.js';
import { StepError } from './step-error.js';
import { CONTAINER_ROWS, rowAttempts, rowTimeoutMs, type StepSpec, type StepView } from './step-table.js';
import { withTimeout } from './with-timeout.js';

// Retrying these cannot help: the runner or the container is wrong, not the network.
const NOT_RETRYABLE = new Set([
  'E_RUNNER_UNSAFE_NAME',
  'E_RUNNER_PARSE',
  'E_RUNNER_NOT_APPLICABLE',
  'E_DRY_RUN_VIOLATION',
  'E_EXEC_ABORTED',
  'E_RUNNER_INVALID_OUTPUT',
  'E_EXEC_NOT_FOUND',
  'E_CT_NOT_FOUND',
  'E_CT_NOT_RUNNING',
]);

export interface WalkDeps {
  env: StepEnv;
  bodies: StepBodies;
  emit: Emit;
  signal: AbortSignal;
  /** The run's stop request (SIGTERM/SIGINT), if any: honoured at safe points like the kill switch. */
  stopRequested?: () => string | undefined;
  /** The fleet-wide caps (global `concurrency:`), asked before the work they limit. */
  caps?: CapClient;
  /** Loads a runner before its first row (outside any step, as its failure belongs to no step). */
  loadRunner(spec: ContainerTask['runners'][number]): Promise<{ hasSources: boolean }>;
}

type Done = { done: true };
const DONE: Done = { done: true };

// The change section begins at the first of these rows that runs: the runner caps are taken there
// (before the snapshot and the hooks, so a container never sits snapshotted, or behind a
// maintenance page, waiting for a turn) and given back once the runners' applies are done.
const CHANGE_SECTION_START = new Set<string>(['backup', 'pre-update', 'paths-before', 'apply']);

/**
 * Walks one container through the lifecycle table: each row in order (runner rows as a block,
 * runner by runner), under the row's condition, dry-run rule, kill-switch safe point, journal,
 * timeout, retries and failure policy. Returns the final state; it throws only for a bug.
 */
export async function walkContainer(task: ContainerTask, deps: WalkDeps): Promise<PipelineState> {
  const { env, bodies, emit } = deps;
  const { runId, dryRun } = task;
  const vmid = task.container.vmid;
  const sources = new Map<string, boolean>();
  let state: PipelineState = INITIAL_STATE;

  const merge = (result: StepResult | undefined, runnerId?: string): void => {
    if (!result) return;
    if (result.state) state = { ...state, ...result.state };
    const patch = result.runner;
    if (patch && runnerId !== undefined) {
      state = {
        ...state,
        runners: state.runners.map(
          (r): RunnerState =>
            r.id !== runnerId
              ? r
              : {
                  ...r,
                  report: { ...r.report, ...patch.report },
                  ...(patch.checked ? { checked: patch.checked } : {}),
                  ...(patch.steps ? { steps: patch.steps } : {}),
                },
        ),
      };
    }
  };
  const runnerState = (id: string): RunnerState | undefined => state.runners.find((r) => r.id === id);
  const view = (runnerId?: string): StepView => {
    const runner = runnerId === undefined ? undefined : runnerState(runnerId);
    return {
      task,
      dryRun,
      pending: state.runners.filter((r) => r.steps.length > 0).length,
      changed: state.runners.some((r) => r.report.changed.length > 0),
      backupTaken: state.backup !== undefined,
      ...(runnerId !== undefined
        ? { runner: { id: runnerId, hasSources: sources.get(runnerId) ?? false, steps: runner?.steps.length ?? 0 } }
        : {}),
      ...(state.failure ? { failure: { runner: state.failure.runner } } : {}),
    };
  };
  const skip = (reason: NonNullable<PipelineState['skip']>['reason'], detail: string): Done => {
    state = { ...state, skip: { reason, detail } };
    emit('container:skip', { runId, vmid, reason, detail });
    return DONE;
  };
  const failWith = (row: StepSpec, error: StepError): Done | undefined => {
    if (row.phase === 'on-failure') {
      state = { ...state, rollbackFailure: error };
      return DONE;
    }
    state = { ...state, failure: error };
    return row.onFailure === 'rollback' ? undefined : DONE;
  };
  // Kill switch: checked at a row's safe point as long as nothing was journaled (never inside a
  // package manager's transaction; once the backup is taken the container finishes or rolls back).
  // A stop signal is the kill switch by other means, and is honoured at the same points.
  const killSwitched = (row: StepSpec): Done | undefined => {
    if (!row.safePoint || state.journal !== undefined) return undefined;
    const stop = deps.stopRequested?.();
    if (stop !== undefined) return skip('signal', `${stop}; stopped before any change`);
    return task.killSwitchFile && existsSync(task.killSwitchFile)
      ? skip('kill-switch', `kill switch ${task.killSwitchFile} appeared; stopped before any change`)
      : undefined;
  };
  const emitEvents = (row: StepSpec, result: StepResult): void => {
    for (const event of result.events ?? []) {
      // The table is the contract: a step emits only what its row lists.
      if (!row.emits.includes(event.name))
        throw new UnrotError('E_INTERNAL', `step ${row.id} emitted ${event.name}, which its row does not list`);
      (emit as (name: string, payload: unknown) => void)(event.name, event.payload);
    }
  };

  // Fleet caps (global `concurrency:`): the runner keys held through the change section; [] once given back.
  let runnerCaps: string[] | undefined;
  const capped = (key: string): boolean => task.capKeys?.includes(key) === true;
  const releaseRunnerCaps = (): void => {
    if (runnerCaps && runnerCaps.length > 0) deps.caps?.release(runnerCaps);
    runnerCaps = [];
  };
  /** Waits for cap keys (a wait, never a failure: it is reported); only an abort while waiting fails the row. */
  const waitForCaps = async (row: StepSpec, keys: string[], runnerId?: string): Promise<{ ended: Done | undefined } | undefined> => {
    if (!deps.caps || keys.length === 0) return undefined;
    try {
      const { waitedMs } = await deps.caps.acquire(keys, deps.signal);
      if (waitedMs > 0) {
        env.log.info({ step: row.step, caps: keys, waitedMs }, 'waited for a concurrency cap');
        state = { ...state, capWaits: [...(state.capWaits ?? []), { caps: keys, step: row.step, waitedMs }] };
      }
      return undefined;
    } catch (error) {
      return { ended: failWith(row, StepError.of(error, row.step, runnerId)) };
    }
  };

  const runRow = async (row: StepSpec, runnerId?: string): Promise<Done | undefined> => {
    const inFailure = state.failure !== undefined;
    if (inFailure !== (row.phase === 'on-failure')) return undefined;
    const body = bodies[row.id];
    if (!body) throw new UnrotError('E_INTERNAL', `no step body for lifecycle row ${row.id}`);
    const runner = runnerId === undefined ? undefined : runnerState(runnerId);
    const input = { task, state, env, ...(runner ? { runner } : {}) };
    const when = row.when;
    if (when && !((when.task?.(task) ?? true) && (when.state?.(view(runnerId)) ?? true))) {
      if (!dryRun || row.runsInDryRun) merge(body.otherwise?.(input), runnerId);
      return undefined;
    }
    if (dryRun && !row.runsInDryRun) {
      if (row.inPlan) merge(body.plan?.(input), runnerId);
      return undefined;
    }
    if (CHANGE_SECTION_START.has(row.id) && runnerCaps === undefined) {
      runnerCaps = state.runners
        .filter((r) => r.steps.length > 0)
        .map((r) => runnerCapKey(r.id))
        .filter(capped);
      const waited = await waitForCaps(row, runnerCaps, runnerId);
      if (waited) {
        runnerCaps = [];
        return waited.ended;
      }
    }
    const storage = row.id === 'backup' ? backupStorageOf(task.backup, state.rootfsStorage) : undefined;
    const storageCap = storage !== undefined && capped(storageCapKey(storage)) ? storageCapKey(storage) : undefined;
    if (storageCap) {
      const waited = await waitForCaps(row, [storageCap]);
      if (waited) return waited.ended;
    }
    try {
      return await journalAndExecute(row, body, runnerId);
    } finally {
      if (storageCap) deps.caps?.release([storageCap]);
    }
  };

  const journalAndExecute = async (
    row: StepSpec,
    body: NonNullable<StepBodies[StepSpec['id']]>,
    runnerId?: string,
  ): Promise<Done | undefined> => {
    const stopped = killSwitched(row);
    if (stopped) return stopped;
    if (row.journal && state.journal !== row.journal) {
      await writeJournal(task.stateDir, {
        runId,
        vmid,
        step: row.journal,
        wasRunning: true,
        pid: process.pid,
        at: new Date().toISOString(),
        ...(state.backup ? { backup: state.backup } : {}),
      });
      state = { ...state, journal: row.journal };
    }
    return execute(row, body, runnerId);
  };

  const execute = async (row: StepSpec, body: NonNullable<StepBodies[StepSpec['id']]>, runnerId?: string): Promise<Done | undefined> => {
    const name = row.step;
    const who = runnerId !== undefined ? { runner: runnerId } : {};
    const t0 = Date.now();
    state = { ...state, walked: [...state.walked, { id: row.id, ...who }] };
    emit('step:start', { runId, vmid, step: name, ...who });
    env.log.info({ step: name, runner: runnerId }, 'step start');
    const attempts = rowAttempts(task, row, runnerId);
    const timeoutMs = rowTimeoutMs(task, row, runnerId);
    const label = `${name}${runnerId !== undefined ? ` (${runnerId})` : ''} on CT ${vmid}`;
    let result: StepResult | undefined;
    let thrown: unknown;
    for (let attempt = 1; ; attempt++) {
      const runner = runnerId === undefined ? undefined : runnerState(runnerId);
      const input: StepInput = {
        task,
        state,
        env,
        ...(runner ? { runner } : {}),
        signal: deps.signal,
        publish: (patch) => merge({ ...(patch ? { state: patch } : {}) }),
      };
      try {
        result = await withTimeout(label, timeoutMs, deps.signal, (signal) => body.run({ ...input, signal }));
        thrown = result.failure;
      } catch (error) {
        thrown = error;
        result = undefined;
      }
      if (thrown === undefined) break;
      const code = StepError.of(thrown, name, runnerId).code;
      if (result === undefined && attempt < attempts && !NOT_RETRYABLE.has(code) && !deps.signal.aborted) {
        env.log.warn({ step: name, runner: runnerId, attempt, code, err: StepError.of(thrown, name).message }, 'step failed, retrying');
        continue;
      }
      break;
    }
    // Per-runner step durations (the runner's own steps, not its source pre-flight).
    if (runnerId !== undefined && row.id !== 'sources') {
      const r = runnerState(runnerId);
      if (r) merge({ runner: { report: { durationsMs: { ...r.report.durationsMs, [name]: Date.now() - t0 } } } }, runnerId);
    }
    if (result) merge(result, runnerId);
    const plain = {
      task,
      state,
      env,
      ...(runnerId !== undefined && runnerState(runnerId) ? { runner: runnerState(runnerId) as RunnerState } : {}),
    };
    if (thrown !== undefined) {
      const error = StepError.of(thrown, name, runnerId);
      emit('step:fail', { runId, vmid, step: name, code: error.code, message: error.message, ...who });
      env.log.error({ step: name, runner: runnerId, code: error.code, err: error.message }, 'step failed');
      const handled = body.onError?.(error, plain);
      merge(handled, runnerId);
      if (handled?.skip) {
        emitEvents(row, { events: [{ name: 'container:skip', payload: { runId, vmid, ...handled.skip } }] });
        state = { ...state, skip: handled.skip };
        return DONE;
      }
      return failWith(row, error);
    }
    const durationMs = Date.now() - t0;
    emit('step:end', { runId, vmid, step: name, durationMs, ...who });
    env.log.info({ step: name, runner: runnerId, durationMs }, 'step end');
    if (result) emitEvents(row, result);
    if (result?.skip) {
      emitEvents(row, { events: [{ name: 'container:skip', payload: { runId, vmid, ...result.skip } }] });
      state = { ...state, skip: result.skip };
      return DONE;
    }
    if (result?.fail) return failWith(row, StepError.of(result.fail, name, runnerId));
    return undefined;
  };

  // A runner's first row: the safe point is checked before the runner is even loaded; a runner
  // that fails to load fails the container outside any step.
  const enterRunner = async (row: StepSpec, spec: ContainerTask['runners'][number]): Promise<Done | undefined> => {
    const stopped = killSwitched(row);
    if (stopped) return stopped;
    try {
      sources.set(spec.id, (await deps.loadRunner(spec)).hasSources);
    } catch (error) {
      state = { ...state, failure: StepError.of(error, 'unknown') };
      return DONE;
    }
    const report = { id: spec.id, applicable: false, updates: [], withheld: [], plan: [], changed: [], durationsMs: {} };
    state = { ...state, runners: [...state.runners, { id: spec.id, report, steps: [] }] };
    return undefined;
  };

  const walk = async (): Promise<void> => {
    const rows = CONTAINER_ROWS;
    for (let i = 0; i < rows.length; ) {
      const row = rows[i] as StepSpec;
      if (row.scope !== 'runner') {
        if (await runRow(row)) return;
        i++;
        continue;
      }
      // A block of consecutive runner rows is walked runner by runner, in policy order.
      let end = i;
      while (end < rows.length && (rows[end] as StepSpec).scope === 'runner') end++;
      const block = rows.slice(i, end);
      for (const spec of task.runners) {
        for (const r of block) {
          if (state.failure === undefined && runnerState(spec.id) === undefined && (await enterRunner(r, spec))) return;
          if (await runRow(r, spec.id)) return;
        }
      }
      // The runners' applies are over (or failed): their caps go back before hooks, restarts, verify or a rollback.
      if (block.some((r) => r.id === 'apply')) releaseRunnerCaps();
      i = end;
    }
  };
  try {
    await walk();
  } finally {
    releaseRunnerCaps();
  }
  return state;
}
