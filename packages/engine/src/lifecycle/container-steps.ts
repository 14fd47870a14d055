import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ApplyResultSchema, CheckResultSchema, DetectResultSchema, PlanStepSchema, toUnrotError, UnrotError } from '@unrot/sdk';
import {
  containerAddress,
  planRestart,
  type RestartReport,
  restartChangingCommands,
  restartTargets,
  type TaskRestart,
} from '../health/index.js';
import type { Host, VzdumpOptions } from '../host/host.js';
import type { HookCommand } from '../policy/commands-schema.js';
import { backupStorageOf, judgeStorageCached } from '../preflight/backup-storage.js';
import { checkReachability } from '../preflight/reachability.js';
import { holdToCanary } from '../rollout/canary-pins.js';
import { addBackup, readBackups, writeBackups } from '../safety/backup-index.js';
import type { BackupRef } from '../safety/journal.js';
import { snapshotDescriptionFor, snapshotNameFor } from '../safety/own-snapshots.js';
import { changedPaths, parsePathStates, pathChangedError, pathStateArgv, unguardable } from '../safety/path-guard.js';
import { restoreBackup } from '../safety/restore-backup.js';
import type { ContainerReport } from './container-result.js';
import type { ContainerTask, TaskHooks } from './container-task.js';
import { type HookContext, type HookPhase, type HookRunDeps, hookUpdates, runHookList } from './hook-run.js';
import type { PipelineState, StepBodies, StepBody, StepEnv, StepInput, StepResult } from './pipeline-state.js';
import { StepError } from './step-error.js';

/** Plugin output is data from outside the engine: check it against the SDK schema before trusting it. */
function assertValid<T>(schema: TSchema, value: T, what: string, runner: string): T {
  const first = Value.Errors(schema, value).First();
  if (first) {
    throw new UnrotError('E_RUNNER_INVALID_OUTPUT', `runner ${runner} returned an invalid ${what}: ${first.path || '/'} ${first.message}`, {
      runner,
      path: first.path,
    });
  }
  return value;
}

const runnerOf = (input: Pick<StepInput, 'runner'>) => {
  if (!input.runner) throw new UnrotError('E_INTERNAL', 'a runner step ran without its runner');
  return input.runner;
};

/** A runner's options from the policy, as validated by prepare. */
const optionsOf = (task: ContainerTask, id: string): unknown => task.runners.find((r) => r.id === id)?.options;

const pendingRunners = (state: PipelineState) => state.runners.filter((r) => r.steps.length > 0);

/**
 * How old the run's listing of a container may be for the pre-flight to take its status and config
 * instead of reading both again (two `pct` processes or API requests; issue 16). The lock matters
 * most, and the pre-flight's reading was never the last word on it: the check (seconds to minutes)
 * runs between it and the backup, and Proxmox refuses to snapshot or vzdump a locked container
 * when asked. So the containers that start with the run (a one-container run, a fleet's first
 * slots) take the listing; one that waited longer for its slot is read afresh.
 */
export const LISTING_FRESH_MS = 30_000;

/** The listing's reading of this container while it is fresh, else undefined (read again). */
function freshListing(task: ContainerTask): ContainerTask['listed'] {
  const listed = task.listed;
  return listed && Date.now() - listed.readAtMs <= LISTING_FRESH_MS ? listed : undefined;
}

// The container still exists, runs, carries no Proxmox lock, and its backup storage has room.
const preflight: StepBody = {
  async run({ task, env, signal }) {
    const { host } = env;
    const vmid = task.container.vmid;
    const listed = freshListing(task);
    if (listed) env.log.debug({ vmid, ageMs: Date.now() - listed.readAtMs }, "pre-flight: the run's listing of the container is fresh");
    const status = listed?.status ?? (await host.status(vmid, signal));
    if (status !== 'running') return { skip: { reason: 'stopped', detail: `status ${status}` } };
    const config = listed?.config ?? (await host.readConfig(vmid, signal));
    if (config.lock) return { skip: { reason: 'locked', detail: `Proxmox lock '${config.lock}'` } };
    const rootfsStorage = config['rootfs']?.split(':')[0];
    const found: NonNullable<StepResult['state']> = { ...(rootfsStorage ? { rootfsStorage } : {}), ...addressOf(config) };
    // A full storage holds the container back (the run retries it), an unusable one skips it.
    const storage = task.preflight ? backupStorageOf(task.backup, rootfsStorage) : undefined;
    if (task.preflight && storage) {
      const limitPercent = task.preflight.maxStorageUsedPercent;
      const judged = await judgeStorageCached(() => host.storageStatus(signal), storage, limitPercent);
      if (judged.kind === 'unavailable') return { state: found, skip: { reason: 'backup-unavailable', detail: judged.detail } };
      const checked = { ...found, preflight: { storage: { name: storage, usedPercent: judged.usedPercent, limitPercent } } };
      if (judged.kind === 'full') return { state: checked, skip: { reason: 'storage-full', detail: judged.detail } };
      return noRunners(task, checked);
    }
    return noRunners(task, found);
  },
  onError: (error) => (error.code === 'E_CT_NOT_FOUND' ? { skip: { reason: 'vanished', detail: error.message } } : undefined),
};

function noRunners(task: ContainerTask, found: StepResult['state']): StepResult {
  if (task.runners.length === 0) {
    return { state: found, skip: { reason: 'no-runners', detail: 'runners.os is none and no app runner is configured' } };
  }
  return { state: found };
}

const detect: StepBody = {
  async run({ task, env, signal, runner }) {
    const { id } = runnerOf({ runner });
    const detected = assertValid(
      DetectResultSchema,
      await env.runner(id).detect(env.context(id, optionsOf(task, id), signal)),
      'detect result',
      id,
    );
    if (detected.applicable) return { runner: { report: { applicable: true } } };
    const reason = detected.reason ?? 'not applicable';
    return {
      runner: { report: { reason } },
      fail: new StepError('detect', 'E_RUNNER_NOT_APPLICABLE', `runner ${id} does not apply to CT ${task.container.vmid}: ${reason}`, {
        runner: id,
        details: { runner: id },
      }),
    };
  },
  // The first exec into the container: one that vanished or stopped since the listing is skipped as the pre-flight would.
  onError: (error) =>
    error.code === 'E_CT_NOT_FOUND'
      ? { skip: { reason: 'vanished', detail: error.message } }
      : error.code === 'E_CT_NOT_RUNNING'
        ? { skip: { reason: 'stopped', detail: error.message } }
        : undefined,
};

// The runner's package sources, reached from inside the container before check refreshes anything.
const sources: StepBody = {
  async run({ task, env, signal, runner, state }) {
    const { id } = runnerOf({ runner });
    const module = env.runner(id);
    const ctx = env.context(id, optionsOf(task, id), signal);
    const results = await checkReachability(ctx.exec.read, (await module.sources?.(ctx)) ?? [], {
      timeoutS: task.preflight?.networkTimeoutS ?? 5,
      signal,
    });
    const entries = results.map((r) => ({
      runner: id,
      host: r.endpoint.host,
      port: r.endpoint.port,
      origin: r.endpoint.origin,
      result: r.ok === true ? ('ok' as const) : r.ok === false ? ('failed' as const) : ('unverifiable' as const),
      detail: r.detail,
      durationMs: r.durationMs,
    }));
    for (const e of entries.filter((x) => x.result === 'unverifiable')) env.log.warn({ source: e }, 'package source not verifiable');
    const found: StepResult['state'] = { preflight: { ...state.preflight, sources: [...(state.preflight?.sources ?? []), ...entries] } };
    const down = entries.filter((e) => e.result === 'failed');
    if (down.length === 0) return { state: found };
    const detail = `${id}: ${down.map((e) => `${e.host}:${e.port} ${e.detail}`).join('; ')}`;
    return { state: found, skip: { reason: 'unreachable', detail } };
  },
};

const check: StepBody = {
  async run({ task, env, signal, runner }) {
    const { id } = runnerOf({ runner });
    const checked = holdToCanary(
      assertValid(CheckResultSchema, await env.runner(id).check(env.context(id, optionsOf(task, id), signal)), 'check result', id),
      task.canaryPins?.[id],
    );
    return {
      runner: { report: { updates: checked.updates, withheld: checked.withheld }, checked },
      events: [{ name: 'updates:found', payload: { runId: task.runId, vmid: task.container.vmid, runner: id, updates: checked.updates } }],
    };
  },
};

const plan: StepBody = {
  async run({ task, env, signal, runner }) {
    const { id, checked } = runnerOf({ runner });
    const vmid = task.container.vmid;
    const module = env.runner(id);
    const ctx = env.context(id, optionsOf(task, id), signal);
    // Held to the canary's versions: a runner that can installs exactly them (SDK 1.2 pinsVersions).
    const exact = task.canaryPins?.[id] !== undefined && module.pinsVersions === true;
    const steps = await module.plan(exact ? { ...ctx, exactVersions: true } : ctx, checked ?? { updates: [], withheld: [] });
    for (const s of steps) assertValid(PlanStepSchema, s, 'plan step', id);
    return {
      runner: {
        report: { plan: steps.map((s) => ({ id: s.id, title: s.title, argv: s.argv, hostArgv: env.host.execArgv(vmid, s.argv) })) },
        steps,
      },
      events: [{ name: 'plan:ready', payload: { runId: task.runId, vmid, runner: id, steps } }],
    };
  },
};

const baseline: StepBody = {
  async run({ env, state, signal }) {
    await env.health(state.address)?.baseline(signal);
    return {};
  },
};

const backup: StepBody = {
  async run({ task, env, state, signal }) {
    const t0 = Date.now();
    const taken = await takeBackup(task, env.host, state, signal, (obj, msg) => env.log.warn(obj, msg));
    const vmid = task.container.vmid;
    await addBackup(task.stateDir, vmid, { ...taken, runId: task.runId, takenAt: new Date().toISOString(), result: 'pending' });
    return {
      state: {
        backup: taken,
        backupReport: {
          kind: taken.kind,
          planned: false,
          durationMs: Date.now() - t0,
          ...(taken.name ? { name: taken.name } : {}),
          ...(taken.archive ? { archive: taken.archive } : {}),
        },
      },
      events: [{ name: 'backup:taken', payload: { runId: task.runId, vmid, kind: taken.kind, name: taken.name ?? taken.archive ?? '' } }],
    };
  },
  // Nothing ran; `run` would take this backup first.
  plan({ task, env, state }) {
    const vmid = task.container.vmid;
    const name = snapshotNameFor(task.runId);
    const description = snapshotDescriptionFor(
      task.runId,
      pendingRunners(state).map((r) => r.id),
    );
    const kind = task.backup.mode === 'vzdump' ? 'vzdump' : 'snapshot';
    return {
      state: {
        backupReport: {
          kind,
          planned: true,
          ...(kind === 'snapshot'
            ? { name, hostArgv: env.host.snapshotArgv(vmid, name, description) }
            : { hostArgv: env.host.vzdumpArgv(vmid, vzdumpOptions(task)) }),
        },
      },
    };
  },
  onError: (error, { task }) =>
    error.code === 'E_SNAPSHOT_UNSUPPORTED' && task.backup.onUnsupported === 'skip'
      ? { skip: { reason: 'backup-unavailable', detail: `${error.message}; policy backup.on_unsupported is skip, so it was not updated` } }
      : undefined,
};

const apply: StepBody = {
  async run({ task, env, signal, runner }) {
    const { id, steps } = runnerOf({ runner });
    const result = assertValid(
      ApplyResultSchema,
      await env.runner(id).apply(env.context(id, optionsOf(task, id), signal, true), [...steps]),
      'apply result',
      id,
    );
    return { runner: { report: { changed: result.changed } } };
  },
  plan: ({ state, runner }) => ({ state: { plannedChanges: state.plannedChanges + (runner?.steps.length ?? 0) } }),
};

const hookStep = (which: 'pre-update' | 'post-update'): StepBody => ({
  async run({ task, env, state, signal, publish }) {
    const hooks = task.hooks as TaskHooks;
    const list = which === 'pre-update' ? hooks.preUpdate : hooks.postUpdate;
    // A working copy, published first: a hook cut off by the step's timeout still shows the ones before it.
    const report = structuredClone(state.hooks ?? hooksReport(hooks, false, env.host, task.container.vmid));
    publish({ hooks: report });
    const entries = which === 'pre-update' ? report.preUpdate : report.postUpdate;
    const phase = which === 'pre-update' ? 'pre_update' : 'post_update';
    const ended = await runHookList(list, hookContextOf(task, state, phase), hookDeps(task, env, signal), entries);
    if (ended.kind === 'ok') return { state: { hooks: report } };
    if (ended.kind === 'vetoed') {
      const dropped = await dropVetoedBackup(task, env, state, signal);
      const detail = `pre_update hook ${JSON.stringify(ended.hook.argv)} vetoed the update: ${ended.reason}; ${dropped}`;
      return { state: { hooks: report }, skip: { reason: 'vetoed', detail } };
    }
    const { error } = ended;
    return { state: { hooks: report }, failure: new StepError(which, error.code, error.message, { details: error.details }) };
  },
  // Either hook row lists both hook lists in the plan; each counts its own commands.
  plan({ task, env, state }) {
    const hooks = task.hooks as TaskHooks;
    const own = which === 'pre-update' ? hooks.preUpdate : hooks.postUpdate;
    return {
      state: {
        hooks: state.hooks ?? hooksReport(hooks, true, env.host, task.container.vmid),
        plannedChanges: state.plannedChanges + own.length,
      },
    };
  },
});

const restart: StepBody = {
  async run({ task, env, state, signal, publish }) {
    const policy = task.restart as TaskRestart;
    const report = structuredClone(state.restart ?? restartReport(policy, false, env.host, task.container.vmid));
    publish({ restart: report });
    await restartTargets(policy, env.context('restart', undefined, signal, true).exec, signal, report);
    return { state: { restart: report } };
  },
  plan: ({ task, env, state }) => ({
    state: {
      restart: restartReport(task.restart as TaskRestart, true, env.host, task.container.vmid),
      plannedChanges: state.plannedChanges + restartChangingCommands(task.restart as TaskRestart),
    },
  }),
  // Configured, but the update changed nothing (restart.when: changed): reported as skipped.
  otherwise({ task, env, state }) {
    if (!task.restart || pendingRunners(state).length === 0) return {};
    const report = state.restart ?? restartReport(task.restart, false, env.host, task.container.vmid);
    return { state: { restart: { ...report, skipped: 'the update changed nothing (restart.when: changed)' } } };
  },
};

/** Policy `exclusions.paths`: one read-only exec for every guarded path's state (safety/path-guard.ts). */
async function readPathStates(task: ContainerTask, env: StepEnv, signal: AbortSignal): Promise<string[]> {
  const paths = task.guardedPaths ?? [];
  const result = await env.context('paths', undefined, signal).exec.read(pathStateArgv(paths));
  return parsePathStates(result.stdout, paths);
}

// Before any runner changes the container; a plan lists the paths and reads nothing.
const pathsBefore: StepBody = {
  async run({ task, env, signal }) {
    const states = await readPathStates(task, env, signal);
    const paths = (task.guardedPaths ?? []).map((path, i) => ({ path, before: states[i] as string }));
    const report = { planned: false, paths };
    const cannot = unguardable(paths);
    if (cannot.length === 0) return { state: { guardedPaths: report } };
    return {
      state: { guardedPaths: report },
      failure: new StepError(
        'apply',
        'E_EXEC_FAILED',
        `exclusions.paths: cannot hash ${cannot.map((p) => p.path).join(', ')} (unreadable), so the update could not be guarded`,
        { details: { paths: cannot.map((p) => p.path) } },
      ),
    };
  },
  plan: ({ task }) => ({ state: { guardedPaths: { planned: true, paths: (task.guardedPaths ?? []).map((path) => ({ path })) } } }),
};

// After every runner applied: a guarded path in another state than before fails the update.
const pathsAfter: StepBody = {
  async run({ task, env, state, signal }) {
    const before = state.guardedPaths;
    if (!before) throw new UnrotError('E_INTERNAL', 'paths-after ran without paths-before');
    const states = await readPathStates(task, env, signal);
    const paths = before.paths.map((p, i) => ({ ...p, after: states[i] as string }));
    const guardedPaths = { planned: false, paths };
    const changed = changedPaths(paths);
    if (changed.length === 0) return { state: { guardedPaths } };
    return { state: { guardedPaths }, failure: pathChangedError(changed) };
  },
};

// Still running, nothing that was planned is still pending, health checks pass (gated on their baseline).
const verify: StepBody = {
  async run({ task, env, state, signal }) {
    const vmid = task.container.vmid;
    const status = await env.host.status(vmid, signal);
    if (status !== 'running') throw new StepError('verify', 'E_VERIFY_FAILED', `CT ${vmid} is ${status} after the update`);
    for (const runner of pendingRunners(state)) {
      // Held to the canary like check: a newer version published meanwhile is withheld, not left pending.
      const again = holdToCanary(
        assertValid(
          CheckResultSchema,
          await env.runner(runner.id).check(env.context(runner.id, optionsOf(task, runner.id), signal)),
          'check result',
          runner.id,
        ),
        task.canaryPins?.[runner.id],
      );
      const planned = new Set(runner.steps.flatMap((s) => s.updates.map((u) => `${u.scope ?? ''}\0${u.name}`)));
      const left = again.updates.filter((u) => planned.has(`${u.scope ?? ''}\0${u.name}`));
      if (left.length > 0) {
        throw new StepError(
          'verify',
          'E_VERIFY_FAILED',
          `${runner.id}: still pending after apply: ${left.map((u) => `${u.name} ${u.to}`).join(', ')}`,
          {
            runner: runner.id,
          },
        );
      }
    }
    await env.health(state.address)?.verify(signal);
    await afterVerify({ task, env, state, signal });
    return {};
  },
};

/**
 * Runner.afterVerify: each runner that changed something gets its clean-up now that the update
 * is verified. It cannot fail the update any more (that would roll back a verified change):
 * a failure is a warning in the log.
 */
async function afterVerify({ task, env, state, signal }: Pick<StepInput, 'task' | 'env' | 'state' | 'signal'>): Promise<void> {
  for (const r of pendingRunners(state)) {
    const runner = env.runner(r.id);
    if (!runner.afterVerify || r.report.changed.length === 0) continue;
    const ctx = env.context(r.id, optionsOf(task, r.id), signal, true);
    try {
      await runner.afterVerify(ctx, { changed: r.report.changed });
    } catch (error) {
      const e = toUnrotError(error);
      ctx.log.warn({ runner: r.id, code: e.code, err: e.message }, 'after-verify clean-up failed; the verified update stays');
    }
  }
}

const rollback: StepBody = {
  async run({ task, env, state, signal }) {
    const vmid = task.container.vmid;
    const taken = state.backup as BackupRef;
    const restored = await restoreBackup(env.host, vmid, taken, true, task.timeoutsMs.rollback, signal);
    const reason = reasonOf(state);
    return {
      state: {
        rolledBack: true,
        rollback: { reason, to: restored.to, kind: restored.kind, running: restored.running, durationMs: restored.durationMs },
      },
      events: [{ name: 'rollback:done', payload: { runId: task.runId, vmid, to: restored.to, reason, running: restored.running } }],
    };
  },
  onError: (error, { state }) => ({
    state: {
      rollback: {
        reason: reasonOf(state),
        to: state.backup?.name ?? state.backup?.archive ?? '',
        kind: state.backup?.kind ?? 'snapshot',
        running: false,
        durationMs: 0,
        error: error.message,
      },
    },
  }),
};

/** The container's steps, keyed by lifecycle row: what each does; the table says when and how. */
export const CONTAINER_STEPS: StepBodies = {
  preflight,
  detect,
  sources,
  check,
  plan,
  baseline,
  backup,
  'pre-update': hookStep('pre-update'),
  'paths-before': pathsBefore,
  apply,
  'paths-after': pathsAfter,
  'post-update': hookStep('post-update'),
  restart,
  verify,
  rollback,
};

function reasonOf(state: PipelineState): string {
  return state.failure ? `${state.failure.code}: ${state.failure.message}` : 'unknown failure';
}

function addressOf(config: Record<string, string>): { address?: string } {
  const address = containerAddress(config);
  return address !== undefined ? { address } : {};
}

/** The vzdump a backup runs, and a plan shows: policy backup.vzdump_*, notes naming the run. */
function vzdumpOptions(task: ContainerTask): VzdumpOptions {
  const { vzdumpStorage: storage, vzdumpMode: mode, vzdumpCompress: compress } = task.backup;
  return { storage, mode, compress, notes: `unrot run ${task.runId}` };
}

async function takeBackup(
  task: ContainerTask,
  host: Host,
  state: PipelineState,
  signal: AbortSignal,
  warn: (obj: Record<string, unknown>, msg: string) => void,
): Promise<BackupRef> {
  const vmid = task.container.vmid;
  const vzdump = async (): Promise<BackupRef> => {
    const archive = await host.vzdump(vmid, vzdumpOptions(task), task.timeoutsMs.backup, signal);
    return { kind: 'vzdump', archive, ...(state.rootfsStorage ? { storage: state.rootfsStorage } : {}) };
  };
  if (task.backup.mode === 'vzdump') return vzdump();
  const name = snapshotNameFor(task.runId);
  const runners = pendingRunners(state).map((r) => r.id);
  try {
    await host.snapshot(vmid, name, snapshotDescriptionFor(task.runId, runners), task.timeoutsMs.backup, signal);
    return { kind: 'snapshot', name };
  } catch (error) {
    if (toUnrotError(error).code === 'E_SNAPSHOT_UNSUPPORTED' && task.backup.onUnsupported === 'vzdump') {
      warn({ vmid }, 'snapshot feature is not available; falling back to vzdump as the policy says');
      return vzdump();
    }
    throw error;
  }
}

// Units, processes and compose projects with every command as it runs in the CT and on the host (health/restart-targets.ts).
function restartReport(r: TaskRestart, planned: boolean, host: Host, vmid: number): RestartReport {
  return planRestart(r, planned, (argv) => host.execArgv(vmid, argv));
}

/** Every hook list with each command as it runs (host hooks: their own argv); on_rollback / on_failure only when configured. */
export function hooksReport(hooks: TaskHooks, planned: boolean, host: Host, vmid: number): NonNullable<ContainerReport['hooks']> {
  const entries = (list: HookCommand[]) =>
    list.map((h) => ({
      argv: [...h.argv],
      hostArgv: h.where === 'host' ? [...h.argv] : host.execArgv(vmid, h.argv),
      planned,
      ...(h.where === 'host' ? { where: 'host' as const } : {}),
    }));
  return {
    preUpdate: entries(hooks.preUpdate),
    postUpdate: entries(hooks.postUpdate),
    ...(hooks.onRollback?.length ? { onRollback: entries(hooks.onRollback) } : {}),
    ...(hooks.onFailure?.length ? { onFailure: entries(hooks.onFailure) } : {}),
  };
}

/** What a hook of `phase` is told (UNROT_CONTEXT): the planned updates and, once applied, the changed ones. */
export function hookContextOf(task: ContainerTask, state: PipelineState, phase: HookPhase): HookContext {
  const planned = (steps: PipelineState['runners'][number]['steps']) => steps.flatMap((s) => s.updates);
  const failure = state.failure;
  return {
    version: 1,
    ctid: task.container.vmid,
    runId: task.runId,
    phase,
    planned: pendingRunners(state).flatMap((r) => hookUpdates(r.id, planned(r.steps))),
    changed: state.runners.flatMap((r) => hookUpdates(r.id, r.report.changed)),
    ...(failure
      ? { failure: { step: failure.step, code: failure.code, message: failure.message }, rolledBack: state.rolledBack === true }
      : {}),
  };
}

export function hookDeps(task: ContainerTask, env: Pick<StepEnv, 'context' | 'log'>, signal: AbortSignal): HookRunDeps {
  return {
    vmid: task.container.vmid,
    exec: env.context('hook', undefined, signal, true).exec,
    hostAllowlist: task.hooks?.hostAllowlist ?? [],
    defaultTimeoutMs: task.timeoutsMs.apply,
    signal,
    log: env.log,
  };
}

/**
 * A vetoed update changed nothing, so the snapshot taken for it protects nothing: it is deleted
 * (and dropped from the backup index). A vzdump archive stays, recorded as failed, for retention.
 */
async function dropVetoedBackup(task: ContainerTask, env: StepEnv, state: PipelineState, signal: AbortSignal): Promise<string> {
  const taken = state.backup;
  if (!taken) return 'no backup was taken';
  if (taken.kind !== 'snapshot' || !taken.name) return `vzdump archive ${taken.archive ?? ''} kept`;
  const vmid = task.container.vmid;
  try {
    await env.host.deleteSnapshot(vmid, taken.name, task.timeoutsMs.backup, signal);
    const records = await readBackups(task.stateDir, vmid);
    await writeBackups(
      task.stateDir,
      vmid,
      records.filter((r) => r.runId !== task.runId),
    );
    return `snapshot ${taken.name} deleted`;
  } catch (error) {
    env.log.warn({ vmid, snapshot: taken.name, err: toUnrotError(error).message }, 'could not delete the snapshot of a vetoed update');
    return `snapshot ${taken.name} kept (deleting it failed: ${toUnrotError(error).message})`;
  }
}
