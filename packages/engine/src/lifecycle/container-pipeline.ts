import { existsSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  ApplyResultSchema,
  CheckResultSchema,
  type ContainerInfo,
  DetectResultSchema,
  type HookCommand,
  type LifecycleEvents,
  type LifecycleStep,
  type Logger,
  type PlanStep,
  PlanStepSchema,
  type Runner,
  type RunnerContext,
  toUnrotError,
  UnrotError,
} from '@unrot/sdk';
import type { EffectiveBackup, EffectiveRollback } from '../config/effective-policy.js';
import {
  ContainerHealth,
  containerAddress,
  type LoadProbe,
  planRestart,
  restartChangingCommands,
  type TaskHealthCheck,
  type TaskRestart,
} from '../health/index.js';
import type { Host } from '../host/host.js';
import { backupStorageOf, judgeStorageCached } from '../preflight/backup-storage.js';
import { checkReachability } from '../preflight/reachability.js';
import { snapshotDescriptionFor, snapshotNameFor } from '../safety/own-snapshots.js';
import { applyWithSafetyNet, type PendingRunner } from './apply-with-safety-net.js';
import type { ContainerReport, RunnerReport } from './container-result.js';
import { createEngineExec } from './engine-exec.js';
import { stepSpec } from './step-table.js';
import { withTimeout } from './with-timeout.js';

export interface TimeoutsMs {
  preflight: number;
  detect: number;
  check: number;
  plan: number;
  backup: number;
  apply: number;
  verify: number;
  rollback: number;
}

/** Everything a pipeline needs, serialisable so it can cross into a worker thread. */
export interface ContainerTask {
  runId: string;
  dryRun: boolean;
  container: ContainerInfo;
  /** In order: the os runner first, then app runners as listed in the policy. */
  runners: Array<{ id: string; modulePath: string; options: unknown }>;
  exclusions: string[];
  timeoutsMs: TimeoutsMs;
  retries: number;
  logFile?: string;
  /** Secret values (from secrets_files) scrubbed from this container's log. */
  secrets?: string[];
  /** Checked at each safe point before any change (global.yml kill_switch_file). */
  killSwitchFile?: string;
  /** Journal and backup records live here (see safety/state-files.ts). */
  stateDir: string;
  backup: EffectiveBackup;
  rollback: EffectiveRollback;
  /** Policy `health_checks`: probed before the update (baseline) and after it (gate). */
  healthChecks?: TaskHealthCheck[];
  /** Policy `restart`: units restarted after the update, before the health checks. */
  restart?: TaskRestart;
  /** Global `preflight`: backup storage limit and the package-source check. */
  preflight?: TaskPreflight;
  /** Policy `pre_update` / `post_update`: commands run around the runners' apply. */
  hooks?: TaskHooks;
}

export interface TaskPreflight {
  maxStorageUsedPercent: number;
  network: boolean;
  networkTimeoutS: number;
}

export interface TaskHooks {
  preUpdate: HookCommand[];
  postUpdate: HookCommand[];
}

export type Emit = <K extends keyof LifecycleEvents>(name: K, payload: LifecycleEvents[K]) => void;

export interface PipelineDeps {
  host: Host;
  loadRunner: (id: string, modulePath: string) => Promise<Runner<TSchema>>;
  emit: Emit;
  log: Logger;
  signal: AbortSignal;
  /** Loads a probe module by path; defaults to loadProbeModule (as in the worker). */
  loadProbe?: LoadProbe;
}

interface RunnerState {
  runner: Runner<TSchema>;
  options: unknown;
  report: RunnerReport;
  steps: PlanStep[];
}

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

/**
 * One container's way through the lifecycle table: preflight, then per runner
 * detect → check → plan, then (not in dry-run) apply. A failure ends this container
 * only; the caller runs many of these side by side.
 */
export async function runContainerPipeline(task: ContainerTask, deps: PipelineDeps): Promise<ContainerReport> {
  const started = Date.now();
  const { container, runId, dryRun } = task;
  const vmid = container.vmid;
  const { host, emit, log } = deps;
  let changingCommands = 0;
  const report: ContainerReport = {
    vmid,
    name: container.name,
    status: container.status,
    unprivileged: container.unprivileged,
    tags: container.tags,
    outcome: 'nothing-to-do',
    runners: [],
    changingCommands: 0,
    durationMs: 0,
    ...(task.logFile ? { logFile: task.logFile } : {}),
  };
  const finish = (outcome: ContainerReport['outcome']): ContainerReport => {
    report.outcome = outcome;
    report.changingCommands = changingCommands;
    report.durationMs = Date.now() - started;
    emit('container:end', { runId, vmid, outcome });
    log.info({ outcome, durationMs: report.durationMs, changingCommands }, 'container finished');
    return report;
  };

  const step = async <T>(name: LifecycleStep, runner: string | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const spec = stepSpec(name);
    if (dryRun && !spec.runsInDryRun) throw new UnrotError('E_DRY_RUN_VIOLATION', `step ${name} does not run in dry-run`);
    const t0 = Date.now();
    emit('step:start', { runId, vmid, step: name, ...(runner ? { runner } : {}) });
    log.info({ step: name, runner }, 'step start');
    const attempts = spec.retryable ? task.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const timeoutMs = spec.timeout ? task.timeoutsMs[spec.timeout] : task.timeoutsMs.apply;
        const value = await withTimeout(`${name}${runner ? ` (${runner})` : ''} on CT ${vmid}`, timeoutMs, deps.signal, fn);
        const durationMs = Date.now() - t0;
        emit('step:end', { runId, vmid, step: name, durationMs, ...(runner ? { runner } : {}) });
        log.info({ step: name, runner, durationMs }, 'step end');
        return value;
      } catch (thrown) {
        const error = toUnrotError(thrown);
        if (attempt < attempts && !NOT_RETRYABLE.has(error.code) && !deps.signal.aborted) {
          log.warn({ step: name, runner, attempt, code: error.code, err: error.message }, 'step failed, retrying');
          continue;
        }
        emit('step:fail', { runId, vmid, step: name, code: error.code, message: error.message, ...(runner ? { runner } : {}) });
        log.error({ step: name, runner, code: error.code, err: error.message }, 'step failed');
        throw Object.assign(error, { step: name, runner });
      }
    }
  };

  const fail = (thrown: unknown): ContainerReport => {
    const error = toUnrotError(thrown);
    const where = thrown as { step?: string; runner?: string };
    report.error = {
      step: where.step ?? 'unknown',
      code: error.code,
      message: error.message,
      ...(where.runner ? { runner: where.runner } : {}),
    };
    return finish('failed');
  };

  // Kill switch: checked at every safe point before the first change (never inside a package
  // manager's transaction; once the backup is taken the container finishes verify or rolls back).
  const killSwitched = (): ContainerReport | undefined => {
    if (!task.killSwitchFile || !existsSync(task.killSwitchFile)) return undefined;
    report.skipReason = 'kill-switch';
    report.skipDetail = `kill switch ${task.killSwitchFile} appeared; stopped before any change`;
    emit('container:skip', { runId, vmid, reason: 'kill-switch', detail: report.skipDetail });
    return finish('skipped');
  };
  const stopNow = killSwitched();
  if (stopNow) return stopNow;

  // Pre-flight: the container must still exist, run, and carry no Proxmox lock.
  let rootfsStorage: string | undefined;
  let address: string | undefined;
  try {
    const verdict = await step('preflight', undefined, async (signal) => {
      const status = await host.status(vmid, signal);
      if (status !== 'running') return { reason: 'stopped' as const, detail: `status ${status}` };
      const config = await host.readConfig(vmid, signal);
      if (config.lock) return { reason: 'locked' as const, detail: `Proxmox lock '${config.lock}'` };
      rootfsStorage = config['rootfs']?.split(':')[0];
      address = containerAddress(config);
      // Room for the backup: a full storage holds the container back (the run retries it), an
      // unusable one skips it. Checked before any runner touches the container.
      const storage = task.preflight ? backupStorageOf(task.backup, rootfsStorage) : undefined;
      if (task.preflight && storage) {
        const limitPercent = task.preflight.maxStorageUsedPercent;
        const judged = await judgeStorageCached(() => host.storageStatus(signal), storage, limitPercent);
        if (judged.kind === 'unavailable') return { reason: 'backup-unavailable' as const, detail: judged.detail };
        report.preflight = { ...report.preflight, storage: { name: storage, usedPercent: judged.usedPercent, limitPercent } };
        if (judged.kind === 'full') return { reason: 'storage-full' as const, detail: judged.detail };
      }
      return undefined;
    });
    if (verdict) {
      report.skipReason = verdict.reason;
      report.skipDetail = verdict.detail;
      emit('container:skip', { runId, vmid, reason: verdict.reason, detail: verdict.detail });
      return finish('skipped');
    }
  } catch (thrown) {
    const error = toUnrotError(thrown);
    if (error.code === 'E_CT_NOT_FOUND') {
      report.skipReason = 'vanished';
      report.skipDetail = error.message;
      emit('container:skip', { runId, vmid, reason: 'vanished', detail: error.message });
      return finish('skipped');
    }
    return fail(thrown);
  }

  if (task.runners.length === 0) {
    report.skipReason = 'no-runners';
    report.skipDetail = 'runners.os is none and no app runner is configured';
    emit('container:skip', { runId, vmid, reason: 'no-runners', detail: report.skipDetail });
    return finish('skipped');
  }

  // The only exec a runner gets: dry-run and "change only in apply" are enforced here; every command is logged and counted.
  const contextFor = (runnerId: string, options: unknown, signal: AbortSignal, allowChange = false): RunnerContext<unknown> => ({
    exec: createEngineExec({
      host,
      vmid,
      dryRun,
      signal,
      allowChange,
      defaultTimeoutMs: task.timeoutsMs.apply,
      onRecord: (record) => {
        if (record.kind === 'change' && record.executed) changingCommands++;
        log.info({ runner: runnerId, exec: record }, record.executed ? 'exec' : 'exec recorded (dry-run)');
        emit('exec', { runId, vmid, runner: runnerId, record });
      },
    }),
    log,
    signal,
    options,
    container: task.container,
    exclusions: task.exclusions,
  });

  const states: RunnerState[] = [];
  try {
    for (const spec of task.runners) {
      const stopped = killSwitched();
      if (stopped) return stopped;
      const runner = await deps.loadRunner(spec.id, spec.modulePath);
      const runnerReport: RunnerReport = {
        id: spec.id,
        applicable: false,
        updates: [],
        withheld: [],
        plan: [],
        changed: [],
        durationsMs: {},
      };
      report.runners.push(runnerReport);
      // Each step gets its own signal (its timeout), so the context is built per step.
      const timed = async <T>(name: LifecycleStep, fn: (ctx: RunnerContext<unknown>) => Promise<T>): Promise<T> => {
        const t0 = Date.now();
        try {
          return await step(name, spec.id, (signal) => fn(contextFor(spec.id, spec.options, signal)));
        } finally {
          runnerReport.durationsMs[name] = Date.now() - t0;
        }
      };

      const detected = await timed('detect', async (ctx) =>
        assertValid(DetectResultSchema, await runner.detect(ctx), 'detect result', spec.id),
      );
      if (!detected.applicable) {
        runnerReport.reason = detected.reason ?? 'not applicable';
        throw Object.assign(
          new UnrotError('E_RUNNER_NOT_APPLICABLE', `runner ${spec.id} does not apply to CT ${vmid}: ${runnerReport.reason}`, {
            runner: spec.id,
          }),
          { step: 'detect', runner: spec.id },
        );
      }
      runnerReport.applicable = true;
      // Its package sources must answer from inside the container before check refreshes anything.
      const sources = task.preflight?.network ? runner.sources?.bind(runner) : undefined;
      if (sources) {
        const timeoutS = task.preflight?.networkTimeoutS ?? 5;
        const results = await step('preflight', spec.id, async (signal) => {
          const ctx = contextFor(spec.id, spec.options, signal);
          return checkReachability(ctx.exec.read, await sources(ctx), { timeoutS, signal });
        });
        const entries = results.map((r) => ({
          runner: spec.id,
          host: r.endpoint.host,
          port: r.endpoint.port,
          origin: r.endpoint.origin,
          result: r.ok === true ? ('ok' as const) : r.ok === false ? ('failed' as const) : ('unverifiable' as const),
          detail: r.detail,
          durationMs: r.durationMs,
        }));
        report.preflight = { ...report.preflight, sources: [...(report.preflight?.sources ?? []), ...entries] };
        for (const e of entries.filter((x) => x.result === 'unverifiable')) log.warn({ source: e }, 'package source not verifiable');
        const down = entries.filter((e) => e.result === 'failed');
        if (down.length > 0) {
          report.skipReason = 'unreachable';
          report.skipDetail = `${spec.id}: ${down.map((e) => `${e.host}:${e.port} ${e.detail}`).join('; ')}`;
          emit('container:skip', { runId, vmid, reason: 'unreachable', detail: report.skipDetail });
          return finish('skipped');
        }
      }
      const checked = await timed('check', async (ctx) => assertValid(CheckResultSchema, await runner.check(ctx), 'check result', spec.id));
      runnerReport.updates = checked.updates;
      runnerReport.withheld = checked.withheld;
      emit('updates:found', { runId, vmid, runner: spec.id, updates: checked.updates });
      const steps = await timed('plan', async (ctx) => {
        const planned = await runner.plan(ctx, checked);
        for (const s of planned) assertValid(PlanStepSchema, s, 'plan step', spec.id);
        return planned;
      });
      runnerReport.plan = steps.map((s) => ({ id: s.id, title: s.title, argv: s.argv, hostArgv: host.execArgv(vmid, s.argv) }));
      emit('plan:ready', { runId, vmid, runner: spec.id, steps });
      states.push({ runner, options: spec.options, report: runnerReport, steps });
    }
  } catch (thrown) {
    return fail(thrown);
  }

  const pending = states.filter((s) => s.steps.length > 0);
  if (dryRun) {
    // Nothing ran; report what `run` would do: the backup first, then every planned command.
    changingCommands = pending.reduce((n, s) => n + s.steps.length, 0);
    if (pending.length > 0 && task.backup.mode !== 'none') {
      const name = snapshotNameFor(runId);
      const description = snapshotDescriptionFor(
        runId,
        pending.map((s) => s.report.id),
      );
      report.backup = {
        kind: task.backup.mode,
        planned: true,
        ...(task.backup.mode === 'snapshot' ? { name, hostArgv: host.snapshotArgv(vmid, name, description) } : {}),
      };
    }
    if (pending.length > 0 && task.hooks) {
      report.hooks = hooksReport(task.hooks, true, host, vmid);
      changingCommands += task.hooks.preUpdate.length + task.hooks.postUpdate.length;
    }
    if (pending.length > 0 && task.restart) {
      changingCommands += restartChangingCommands(task.restart);
      report.restart = restartReport(task.restart, true, host, vmid);
    }
    return finish(pending.length > 0 ? 'planned' : 'nothing-to-do');
  }
  if (pending.length === 0) return finish('nothing-to-do');
  const stoppedBeforeChange = killSwitched();
  if (stoppedBeforeChange) return stoppedBeforeChange;

  // Health checks: one schedule per check before anything changes (the baseline), again inside verify.
  const checks = task.healthChecks ?? [];
  const health =
    checks.length > 0
      ? new ContainerHealth({
          checks,
          container: task.container,
          stateDir: task.stateDir,
          ...(deps.loadProbe ? { loadProbe: deps.loadProbe } : {}),
          log,
          address: () => address,
          readExec: (name, signal) => ({ read: contextFor(`probe:${name}`, undefined, signal).exec.read }),
        })
      : undefined;
  if (health) {
    report.health = health.reports;
    try {
      await step('baseline', undefined, (signal) => health.baseline(signal));
    } catch (thrown) {
      return fail(thrown);
    }
  }
  const restartReportOf = (r: TaskRestart) => restartReport(r, false, host, vmid);

  const outcome = await applyWithSafetyNet({
    task,
    host,
    report,
    log,
    emit,
    signal: deps.signal,
    rootfsStorage,
    pending: pending.map(
      (state): PendingRunner => ({
        id: state.report.id,
        report: state.report,
        steps: state.steps,
        apply: async (signal) =>
          assertValid(
            ApplyResultSchema,
            await state.runner.apply(contextFor(state.report.id, state.options, signal, true), state.steps),
            'apply result',
            state.report.id,
          ),
        recheck: async (signal) =>
          assertValid(
            CheckResultSchema,
            await state.runner.check(contextFor(state.report.id, state.options, signal)),
            'check result',
            state.report.id,
          ),
      }),
    ),
    step,
    ...(task.restart
      ? {
          restart: {
            policy: task.restart,
            report: () => {
              report.restart ??= restartReportOf(task.restart as TaskRestart);
              return report.restart;
            },
            exec: (signal: AbortSignal) => contextFor('restart', undefined, signal, true).exec,
          },
        }
      : {}),
    ...(health ? { verifyHealth: (signal: AbortSignal) => health.verify(signal) } : {}),
    ...(task.hooks
      ? {
          hooks: {
            policy: task.hooks,
            report: () => {
              report.hooks ??= hooksReport(task.hooks as TaskHooks, false, host, vmid);
              return report.hooks;
            },
            exec: (signal: AbortSignal) => contextFor('hook', undefined, signal, true).exec,
          },
        }
      : {}),
  });
  if (outcome.kind === 'failed') return fail(outcome.error);
  if (outcome.kind === 'skipped') {
    report.skipReason = 'backup-unavailable';
    report.skipDetail = outcome.detail;
    emit('container:skip', { runId, vmid, reason: 'backup-unavailable', detail: outcome.detail });
    return finish('skipped');
  }
  if (outcome.kind === 'rolled-back') {
    const error = toUnrotError(outcome.error);
    const where = outcome.error as { step?: string; runner?: string };
    report.error = {
      step: where.step ?? 'apply',
      code: error.code,
      message: error.message,
      ...(where.runner ? { runner: where.runner } : {}),
    };
    return finish('rolled-back');
  }
  return finish('updated');
}

// Units, processes and compose projects with every command as it runs in the CT and on the host (health/restart-targets.ts).
function restartReport(r: TaskRestart, planned: boolean, host: Host, vmid: number): NonNullable<ContainerReport['restart']> {
  return planRestart(r, planned, (argv) => host.execArgv(vmid, argv));
}

function hooksReport(hooks: TaskHooks, planned: boolean, host: Host, vmid: number): NonNullable<ContainerReport['hooks']> {
  const entries = (list: HookCommand[]) => list.map((h) => ({ argv: [...h.argv], hostArgv: host.execArgv(vmid, h.argv), planned }));
  return { preUpdate: entries(hooks.preUpdate), postUpdate: entries(hooks.postUpdate) };
}
