import { join } from 'node:path';
import pino from 'pino';
import { ensureFleetBound } from '../config/group-files.js';
import { EngineEvents } from '../engine-events.js';
import { configuredHostSpec, hostFromSpec } from '../host/api/host-choice.js';
import type { HostSpec } from '../host/host-spec.js';
import { exitCodeFor } from '../report/exit-codes.js';
import { newRunId } from '../report/run-id.js';
import type { RunReport } from '../report/run-report.js';
import { runRollout } from '../rollout/run-rollout.js';
import { acquireClusterLock, type ClusterLock, DEFAULT_CLUSTER_LOCK_DIR, DEFAULT_CLUSTER_LOCK_WAIT } from '../safety/cluster-lock.js';
import { type RecoveryReport, recoverInterrupted } from '../safety/recover-interrupted.js';
import { acquireRunLock } from '../safety/run-lock.js';
import { statePaths } from '../safety/state-files.js';
import { ensureStateDir, preparePrivateFileSync } from '../safety/trusted-dir.js';
import { parseDuration } from '../schedule/duration.js';
import { redactingDestination } from '../secrets/redact-log.js';
import type { Redactor } from '../secrets/redactor.js';
import type { TargetDecision } from '../targets/resolve-targets.js';
import { admissionControl } from './admit.js';
import { defaultNode, prepare } from './prepare.js';
import { publish, publishFailure } from './publish.js';
import { resolveRunTargets } from './resolve-fleet.js';
import { runContainers } from './run-containers.js';
import { interruptPolicy, type RunContext } from './run-context.js';
import { DEFAULT_STATE_DIR, type RunOptions, type RunOutcome } from './run-options.js';
import { buildRunReport } from './run-report-builder.js';

const IDENTITY: Redactor = { string: (t: string) => t, value: <T>(v: T) => v, leaks: () => false };

/**
 * One whole run (or dry-run), in phases that hand plain data to the next: prepare → (recover)
 * → resolve targets → admit and run containers (in workers: preflight, detect, check, plan,
 * [apply]) → summarise → publish. Used by `unrot plan` and `unrot run`; usable without oclif.
 */
export async function runUnrot(options: RunOptions): Promise<RunOutcome> {
  const ctx = await startRun(options);
  const { redactor } = ctx;
  // A real run holds the host lock for its whole length and first finishes what a killed run left.
  try {
    const lock = options.dryRun ? undefined : await acquireRunLock(statePaths(ctx.stateDir).lockFile, ctx.runId);
    let clusterLock: ClusterLock | undefined;
    try {
      clusterLock = options.dryRun ? undefined : await takeClusterLock(ctx);
      const { report, reportPath } = await runLocked(ctx);
      ctx.events.emit('run:end', { runId: ctx.runId, exitCode: report.exitCode, reportPath });
      return { report, reportPath, exitCode: report.exitCode, redactor };
    } catch (error) {
      // A real run that ends in an error still leaves a report, metrics and a notification.
      if (!options.dryRun) await publishFailure(ctx, error);
      throw error;
    } finally {
      await clusterLock?.release();
      await lock?.release();
    }
  } catch (error) {
    // An error message may quote command output; it reaches the terminal only scrubbed.
    throw redactor.value(error);
  }
}

/**
 * host.cluster: one run in the whole cluster at a time (two nodes' timers firing together take
 * turns), a pmxcfs lock directory as Proxmox's own cluster-wide locks. The wait is logged.
 */
async function takeClusterLock(ctx: RunContext): Promise<ClusterLock | undefined> {
  const cluster = ctx.prepared.config.global.host?.cluster;
  if (!cluster) return undefined;
  const lock = await acquireClusterLock({
    dir: cluster.lock_dir ?? DEFAULT_CLUSTER_LOCK_DIR,
    waitMs: parseDuration(cluster.lock_wait ?? DEFAULT_CLUSTER_LOCK_WAIT),
    runId: ctx.runId,
    node: ctx.node,
    ...(ctx.options.stop ? { signal: ctx.options.stop } : {}),
    onWait: (holder) => ctx.log.warn({ holder }, "waiting for another node's run to end (cluster lock)"),
  });
  if (lock.waitedMs > 0) ctx.log.info({ waitedMs: lock.waitedMs }, 'cluster lock taken after a wait');
  return lock;
}

/** Phase 1 (prepare) and the run's fixed context: id, host, state and log. */
async function startRun(options: RunOptions): Promise<RunContext> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const runId = newRunId(started);
  const selection = options.selection ?? {};
  const prepared = await prepare(options.configDir, options.pluginRoots);
  const node = defaultNode(prepared.config);
  // An injected Host serves the workers from this thread; otherwise every thread builds the same host (pct or API, global.yml `host:`) from its spec.
  const configured = options.host ? undefined : await configuredHostSpec(prepared.config, { secrets: prepared.notifications?.secrets });
  const hostSpec: HostSpec = configured ?? { kind: 'main-thread' };
  const host = options.host ?? (await hostFromSpec(configured as Exclude<HostSpec, { kind: 'main-thread' }>));
  const stateDir = options.stateDir ?? prepared.config.global.state_dir ?? DEFAULT_STATE_DIR;
  const runDir = join(stateDir, 'runs', runId);
  const redactor = prepared.notifications?.redactor ?? IDENTITY;
  // Owned by us and private (0700) before anything is written there; logs are 0600.
  await ensureStateDir(stateDir);
  preparePrivateFileSync(join(runDir, 'host.jsonl'));
  const log = pino(
    { base: { runId }, timestamp: pino.stdTimeFunctions.isoTime },
    redactingDestination(pino.destination({ dest: join(runDir, 'host.jsonl'), sync: true, mkdir: true }), redactor),
  );
  log.info({ dryRun: options.dryRun, configDir: options.configDir, selection }, 'run start');
  const events = options.events ?? new EngineEvents();
  return { options, runId, started, now, events, selection, prepared, node, host, hostSpec, stateDir, runDir, redactor, log };
}

async function runLocked(ctx: RunContext): Promise<{ report: RunReport; reportPath: string }> {
  const recoveries = await recoverEarlierRuns(ctx);
  const { fleet, decisions } = await resolveRunTargets(ctx.prepared, ctx.selection, ctx.host, recoveries);
  announceTargets(ctx, decisions);
  // With `rollout:` the containers run wave by wave (rollout/run-rollout.ts); without it, all at once as before.
  const { containers, rollout } = ctx.prepared.config.global.rollout
    ? await runRollout(ctx, fleet, decisions, admissionControl(ctx))
    : { containers: await runContainers(ctx, fleet, decisions, admissionControl(ctx)), rollout: undefined };
  const unrecovered = recoveries.filter((r) => r.action === 'failed').length;
  const attention = recoveries.filter((r) => r.attention === true).length;
  const report = buildRunReport(ctx, {
    finished: new Date(),
    exitCode: exitCodeFor({ containers, unrecovered, attention, stopped: ctx.options.stop?.aborted === true }),
    containers,
    recoveries,
    ...(rollout ? { rollout } : {}),
  });
  return publish(ctx, report);
}

/** A real run first finishes what a killed run left (journal rules); a plan changes nothing. */
async function recoverEarlierRuns(ctx: RunContext): Promise<RecoveryReport[]> {
  if (ctx.options.dryRun) return [];
  // A group file may set rollback.on_interrupt for a container; its selectors need the fleet.
  await ensureFleetBound(ctx.prepared.config, ctx.host);
  const recoveries = await recoverInterrupted(ctx.stateDir, ctx.host, interruptPolicy(ctx.prepared), ctx.log, undefined, {
    runId: ctx.runId,
  });
  for (const r of recoveries) ctx.log.warn({ recovery: r }, 'recovered an interrupted container');
  return recoveries;
}

function announceTargets(ctx: RunContext, decisions: readonly TargetDecision[]): void {
  const { events, runId, log } = ctx;
  events.emit('run:start', { runId, dryRun: ctx.options.dryRun, targets: decisions.filter((d) => d.selected).map((d) => d.vmid) });
  for (const d of decisions) {
    if (!d.selected && d.reason) {
      log.info({ vmid: d.vmid, reason: d.reason, detail: d.detail }, 'container skipped');
      events.emit('container:skip', { runId, vmid: d.vmid, reason: d.reason, ...(d.detail ? { detail: d.detail } : {}) });
    }
  }
}
