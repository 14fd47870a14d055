import { type ContainerInfo, type LifecycleEvents, toUnrotError } from '@unrot/sdk';
import { capLimits, FleetCaps } from '../fleet/caps.js';
import { mapLimitPerKey } from '../fleet/node-slots.js';
import { mapLimit } from '../host/map-limit.js';
import type { ContainerReport } from '../lifecycle/container-result.js';
import type { ContainerTask } from '../lifecycle/container-task.js';
import { acquireContainerLock, type RunLock } from '../safety/run-lock.js';
import type { TargetDecision } from '../targets/resolve-targets.js';
import { ContainerPool, type PoolOptions } from '../workers/container-pool.js';
import type { AdmissionControl } from './admit.js';
import { buildTask, taskDeadlineMs } from './build-task.js';
import { finishTerminated, wasTerminated } from './finish-terminated.js';
import type { RunContext } from './run-context.js';
import { DEFAULT_MAX_CONCURRENCY } from './run-options.js';
import { skippedContainer } from './run-report-builder.js';

/** A staged rollout's wave: its own concurrency, and the canary's versions for the waves after it. */
export interface WaveRunOptions {
  maxConcurrency?: number;
  canaryPins?: Record<string, Record<string, string[]>>;
}

/**
 * Phase 4: runs the selected containers' pipelines in the worker pool, at most max_concurrency at
 * once. Containers start as slots free up, so admission (window, stops, pacing) is asked at each
 * start, not once. Returns each container's final report, in the order of `decisions`; a
 * container not selected gets its skip report.
 */
export async function runContainers(
  ctx: RunContext,
  fleet: ReadonlyMap<number, ContainerInfo>,
  decisions: readonly TargetDecision[],
  admission: AdmissionControl,
  wave: WaveRunOptions = {},
): Promise<ContainerReport[]> {
  const { prepared, options, events, log } = ctx;
  const maxConcurrency = wave.maxConcurrency ?? prepared.config.global.max_concurrency ?? DEFAULT_MAX_CONCURRENCY;
  const pool = new ContainerPool({
    maxConcurrency,
    hostSpec: ctx.hostSpec,
    ...(ctx.hostSpec.kind === 'main-thread' ? { host: ctx.host } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.abortGraceMs !== undefined ? { abortGraceMs: options.abortGraceMs } : {}),
    ...fleetCaps(ctx),
    onEvent: ({ name, payload }) => {
      log.debug({ event: name, payload }, 'event');
      events.emit(name as keyof LifecycleEvents, payload as never);
    },
  });
  const secrets = prepared.notifications?.secrets.values() ?? [];
  const selected = decisions.filter((d) => d.selected);
  let finished: Array<readonly [number, ContainerReport]>;
  try {
    const runOne = async (d: TargetDecision) => {
      const ct = fleet.get(d.vmid) as ContainerInfo;
      const admitted = await admission.admit(d.vmid);
      if (!admitted.start) {
        events.emit('container:skip', { runId: ctx.runId, vmid: d.vmid, reason: admitted.reason, detail: admitted.detail });
        return [d.vmid, skippedContainer(ct, admitted)] as const;
      }
      const listed = ctx.host.listedReading?.(d.vmid);
      const task = buildTask(prepared, ct, {
        runId: ctx.runId,
        dryRun: options.dryRun,
        logDir: ctx.runDir,
        stateDir: ctx.stateDir,
        secrets,
        ...(admission.killSwitchFile ? { killSwitchFile: admission.killSwitchFile } : {}),
        ...(wave.canaryPins ? { canaryPins: wave.canaryPins } : {}),
        ...(listed ? { listed } : {}),
      });
      // No two unrot processes (another config, another state_dir) ever work on one container.
      const held = options.dryRun ? undefined : await containerLock(ctx, d.vmid);
      if (held && 'reason' in held) {
        events.emit('container:skip', { runId: ctx.runId, vmid: d.vmid, reason: held.reason, detail: held.detail });
        return [d.vmid, skippedContainer(ct, held)] as const;
      }
      let report: ContainerReport;
      try {
        report = await runContainer(ctx, pool, task, admission, admitted.loadWaitMs);
      } finally {
        await held?.lock.release();
      }
      log.info({ vmid: d.vmid, outcome: report.outcome, error: report.error, durationMs: report.durationMs }, 'container done');
      return [d.vmid, report] as const;
    };
    // concurrency.per_node: at most N at once on each node (a cluster run), max_concurrency over all.
    const perNode = prepared.config.global.concurrency?.per_node;
    finished = perNode
      ? await mapLimitPerKey(selected, maxConcurrency, (d) => fleet.get(d.vmid)?.node ?? '', perNode, runOne)
      : await mapLimit(selected, maxConcurrency, runOne);
  } finally {
    await pool.close();
  }
  const reports = new Map(finished);
  return decisions.map((d) => reports.get(d.vmid) ?? skippedContainer(fleet.get(d.vmid) as ContainerInfo, d));
}

/** global.yml `concurrency:`: one set of caps for every worker of the run's pool, kept here in the main thread. */
function fleetCaps(ctx: RunContext): Pick<PoolOptions, 'caps' | 'onCapWait'> {
  const limits = capLimits(ctx.prepared.config.global.concurrency);
  if (limits.size === 0) return {};
  return {
    caps: new FleetCaps({ limits, now: () => ctx.now().getTime() }),
    onCapWait: (vmid, keys, waitedMs) => {
      if (waitedMs === undefined) ctx.log.info({ vmid, caps: keys }, 'waiting for a concurrency cap (global concurrency:)');
      else ctx.log.info({ vmid, caps: keys, waitedMs }, 'concurrency cap granted after a wait');
    },
  };
}

/** The per-container host lock, or why this container is skipped (another unrot process holds it). */
async function containerLock(ctx: RunContext, vmid: number): Promise<{ lock: RunLock } | { reason: 'locked'; detail: string }> {
  try {
    return { lock: await acquireContainerLock(vmid, ctx.runId) };
  } catch (error) {
    const e = toUnrotError(error);
    if (e.code !== 'E_RUN_LOCKED') throw error;
    ctx.log.warn({ vmid, err: e.message }, 'not started: another unrot process holds the container');
    return { reason: 'locked', detail: e.message };
  }
}

/** One container: its pipeline, again after each wait for the backup storage, then finished by the journal if it was terminated. */
async function runContainer(
  ctx: RunContext,
  pool: ContainerPool,
  task: ContainerTask,
  admission: AdmissionControl,
  loadWaitMs: number,
): Promise<ContainerReport> {
  const vmid = task.container.vmid;
  const deadlineMs = taskDeadlineMs(ctx.prepared, task);
  let report = await pool.run(task, deadlineMs, ctx.options.stop);
  // Backpressure on the backup storage: the container only ran its pre-flight; it waits until
  // the storage is below the limit (or the run gives up on it) and starts again.
  let storageWaitMs = 0;
  while (admission.waitForStorage && report.skipReason === 'storage-full' && report.preflight?.storage) {
    const { name, limitPercent } = report.preflight.storage;
    ctx.log.warn({ vmid, storage: name, detail: report.skipDetail }, 'waiting for the backup storage');
    const waited = await admission.waitForStorage(name, limitPercent);
    if (!waited.ok) {
      ctx.events.emit('container:skip', { runId: ctx.runId, vmid, reason: waited.reason, detail: waited.detail });
      report = { ...report, skipReason: waited.reason, skipDetail: waited.detail };
      break;
    }
    storageWaitMs += waited.waitedMs;
    report = await pool.run(task, deadlineMs, ctx.options.stop);
  }
  if (loadWaitMs + storageWaitMs > 0) report = { ...report, preflight: { ...report.preflight, waitedMs: loadWaitMs + storageWaitMs } };
  return wasTerminated(report) ? finishTerminated(ctx, report) : report;
}
