import { availableParallelism, loadavg, hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { type ContainerInfo, type LifecycleEvents, toUnrotError, UnrotError } from '@unrot/sdk';
import pino from 'pino';
import { CONFIG_DEFAULTS } from './config/effective-policy.js';
import { effectivePolicy, type LoadedConfig, loadConfig, validateCommandAllowlist, validateRunnerOptions } from './config/index.js';
import { EngineEvents } from './engine-events.js';
import { StartControl } from './fleet/start-control.js';
import { discoverProbes, type ProbeEntry, prepareProbeOptions, validateHealthPolicy } from './health/index.js';
import type { Host } from './host/host.js';
import { PctHost } from './host/index.js';
import { mapLimit } from './host/map-limit.js';
import type { ContainerTask } from './lifecycle/container-pipeline.js';
import type { ContainerReport } from './lifecycle/container-result.js';
import { type NotificationSetup, notifyRun, prepareNotifications } from './notify/index.js';
import { discoverRunners, type RunnerEntry } from './plugins/discover-plugins.js';
import { judgeStorage } from './preflight/backup-storage.js';
import { EXIT_CODES } from './report/exit-codes.js';
import { finishRunArtifacts } from './report/finish-run.js';
import { newRunId } from './report/run-id.js';
import { REPORT_SCHEMA_ID, type RunReport } from './report/run-report.js';
import { writeFileAtomic } from './report/write-atomic.js';
import { recoverInterrupted } from './safety/recover-interrupted.js';
import { acquireRunLock } from './safety/run-lock.js';
import { statePaths } from './safety/state-files.js';
import { resolveSchedule } from './schedule/resolve-schedule.js';
import { type AdmissionGate, admissionGate } from './schedule/schedule.js';
import { redactingDestination } from './secrets/redact-log.js';
import type { Redactor } from './secrets/redactor.js';
import { type CliSelection, resolveTargets, type TargetDecision } from './targets/resolve-targets.js';
import { ContainerPool } from './workers/container-pool.js';

export const DEFAULT_STATE_DIR = '/var/lib/unrot';
export const DEFAULT_MAX_CONCURRENCY = 2;

export interface RunOptions {
  configDir: string;
  dryRun: boolean;
  selection?: CliSelection;
  /** Overrides `state_dir` from global.yml. */
  stateDir?: string;
  /** Roots of installed plugins (the CLI takes them from oclif). */
  pluginRoots: readonly string[];
  events?: EngineEvents;
  unrotVersion?: string;
  /** Injected for tests; defaults to the real `pct`/`pvesh` adapter. */
  host?: Host;
  /** Run even outside the maintenance window. */
  force?: boolean;
  /** Injected clock for window decisions and pacing (tests). */
  now?: () => Date;
  /** Injected wait for jitter and the rate limit (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Injected randomness for jitter (tests). */
  random?: () => number;
  /** Cap on sending the run's notifications (default NOTIFY_DEADLINE_MS). */
  notifyDeadlineMs?: number;
  /** Worker threads for the pipelines (tests, benchmarks); default threadsFor(max_concurrency). */
  threads?: number;
  /** After a container's deadline, how long before its stuck thread is terminated (tests). */
  abortGraceMs?: number;
  /** The host's 1-minute load average (tests); defaults to os.loadavg()[0]. */
  readLoad?: () => number;
}

/** No notification holds a run longer than this (each sink also has its own deadline). */
export const NOTIFY_DEADLINE_MS = 300_000;

/** Containers not started for these reasons make the run "cut short" (exit 5). */
const CUT_SHORT_REASONS = new Set(['kill-switch', 'max-runtime', 'host-load', 'storage-full']);

/** Errors that mean the configuration is wrong (exit 2), as the CLI maps them. */
const CONFIG_CODES = new Set(['E_CONFIG', 'E_USAGE', 'E_PLUGIN_LOAD', 'E_PLUGIN_INCOMPATIBLE']);

export interface RunOutcome {
  report: RunReport;
  reportPath: string;
  exitCode: number;
  /** Scrubs the run's secret values: for anything a caller prints beyond the (already scrubbed) report. */
  redactor: Redactor;
}

export interface Prepared {
  config: LoadedConfig;
  runners: Map<string, RunnerEntry>;
  /** Installed probes by id (health checks); absent means none. */
  probes?: Map<string, ProbeEntry>;
  /** Secrets, their redactor and the notification sinks, checked before anything runs. */
  notifications?: NotificationSetup;
}

/** Loads and validates everything a run needs; throws E_CONFIG before anything is executed. */
export async function prepare(configDir: string, pluginRoots: readonly string[]): Promise<Prepared> {
  const config = await loadConfig(configDir);
  const runners = await discoverRunners(pluginRoots);
  validateRunnerOptions(config, runners);
  validateCommandAllowlist(config, runners);
  const probes = await discoverProbes(pluginRoots);
  validateHealthPolicy(config, probes);
  const globalFile = config.globalFile ?? join(config.dir, 'global.yml');
  const notifications = await prepareNotifications(config.global, pluginRoots, globalFile, (path, opts) =>
    config.locate(globalFile, path, opts),
  );
  return { config, runners, probes, notifications };
}

export function defaultNode(config?: LoadedConfig): string {
  return config?.global.node ?? osHostname().split('.')[0] ?? 'localhost';
}

/** Which containers a run would touch, with the reason for each one it would not. */
export async function resolveFleet(
  prepared: Prepared,
  selection: CliSelection,
  host: Host,
): Promise<{ fleet: ContainerInfo[]; decisions: TargetDecision[] }> {
  let fleet: ContainerInfo[];
  try {
    fleet = await host.listContainers();
  } catch (error) {
    const e = toUnrotError(error, 'E_EXEC_SPAWN');
    throw Object.assign(e, { hostError: true });
  }
  const { config } = prepared;
  const decisions = resolveTargets(fleet, config.global.targets ?? {}, selection, (vmid) => effectivePolicy(config, vmid).enabled);
  return { fleet, decisions };
}

function buildTask(prepared: Prepared, ct: ContainerInfo, runId: string, dryRun: boolean, logDir: string, stateDir: string): ContainerTask {
  const policy = effectivePolicy(prepared.config, ct.vmid);
  const runners: ContainerTask['runners'] = [];
  if (policy.osRunner !== 'none') {
    const entry = prepared.runners.get(policy.osRunner);
    if (!entry) throw new UnrotError('E_CONFIG', `CT ${ct.vmid}: os runner '${policy.osRunner}' is not installed`);
    runners.push({ id: entry.id, modulePath: entry.modulePath, options: policy.osRunnerOptions });
  }
  for (const app of policy.appRunners) {
    const entry = prepared.runners.get(app.id);
    if (!entry) throw new UnrotError('E_CONFIG', `CT ${ct.vmid}: runner '${app.id}' is not installed`);
    runners.push({ id: entry.id, modulePath: entry.modulePath, options: app.options });
  }
  return {
    runId,
    dryRun,
    container: ct,
    runners,
    exclusions: policy.exclusions,
    timeoutsMs: policy.timeoutsMs,
    retries: policy.retries,
    logFile: join(logDir, `ct-${ct.vmid}.jsonl`),
    stateDir,
    backup: policy.backup,
    rollback: policy.rollback,
    healthChecks: policy.healthChecks.map((check) => {
      const entry = prepared.probes?.get(check.probe);
      if (!entry) throw new UnrotError('E_CONFIG', `CT ${ct.vmid}: probe '${check.probe}' is not installed`);
      return {
        name: check.name,
        probe: check.probe,
        modulePath: entry.modulePath,
        options: prepareProbeOptions(check.probe, entry.optionsSchema, check.options),
        schedule: check.schedule,
        gate: check.gate,
      };
    }),
    ...(policy.restart ? { restart: policy.restart } : {}),
    ...(policy.hooks ? { hooks: policy.hooks } : {}),
    preflight: taskPreflight(prepared),
  };
}

function taskPreflight(prepared: Prepared): NonNullable<ContainerTask['preflight']> {
  const p = { ...CONFIG_DEFAULTS.preflight, ...prepared.config.global.preflight };
  return { maxStorageUsedPercent: p.max_storage_used_percent, network: p.network, networkTimeoutS: p.network_timeout_s };
}

/** preflight.max_load, or 4 × the CPU count: a Proxmox host that busy should not also snapshot and unpack packages. */
function maxLoadOf(prepared: Prepared): number {
  return prepared.config.global.preflight?.max_load ?? 4 * availableParallelism();
}

/**
 * The maintenance window applies to real runs when global.yml has a `maintenance:` block, or when
 * the systemd timer / cron job started the run (UNROT_TRIGGER; then the default weekly window
 * applies if none is configured). A manual run without a `maintenance:` block, a plan, and
 * `--force` are not gated.
 */
function windowGate(prepared: Prepared, options: RunOptions, startedAt: Date): AdmissionGate | undefined {
  if (options.dryRun || options.force) return undefined;
  const policy = prepared.config.global.maintenance;
  if (!policy && !process.env['UNROT_TRIGGER']) return undefined;
  return admissionGate(resolveSchedule(policy), startedAt);
}

/** A container's whole time budget: every step's limit, for every runner, plus margin. */
function containerDeadlineMs(task: ContainerTask): number {
  const t = task.timeoutsMs;
  const perRunner = t.detect + t.check * (task.retries + 1) + t.plan + t.apply + t.check;
  // baseline and restart run under the verify limit, like verify itself.
  const healthSteps = (task.healthChecks?.length ? t.verify : 0) + (task.restart ? t.verify : 0);
  return t.preflight + t.backup + t.verify + healthSteps + t.rollback + perRunner * Math.max(1, task.runners.length) + 30_000;
}

function skippedReport(ct: ContainerInfo, decision: TargetDecision): ContainerReport {
  return {
    vmid: ct.vmid,
    name: ct.name,
    status: ct.status,
    unprivileged: ct.unprivileged,
    tags: ct.tags,
    outcome: 'skipped',
    ...(decision.reason ? { skipReason: decision.reason } : {}),
    ...(decision.detail ? { skipDetail: decision.detail } : {}),
    runners: [],
    changingCommands: 0,
    durationMs: 0,
  };
}

/**
 * One whole run (or dry-run): resolve → per container (in workers) preflight, detect,
 * check, plan, [apply] → report. Used by `unrot plan` and `unrot run`; usable without oclif.
 */
export async function runUnrot(options: RunOptions): Promise<RunOutcome> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const runId = newRunId(started);
  const events = options.events ?? new EngineEvents();
  const selection: CliSelection = options.selection ?? {};
  const prepared = await prepare(options.configDir, options.pluginRoots);
  const node = defaultNode(prepared.config);
  const host = options.host ?? new PctHost({ node });
  const stateDir = options.stateDir ?? prepared.config.global.state_dir ?? DEFAULT_STATE_DIR;
  const runDir = join(stateDir, 'runs', runId);
  const notifications = prepared.notifications;
  const redactor = notifications?.redactor ?? { string: (t: string) => t, value: <T>(v: T) => v, leaks: () => false };
  const secretValues = notifications?.secrets.values() ?? [];
  const hostLog = pino(
    { base: { runId }, timestamp: pino.stdTimeFunctions.isoTime },
    redactingDestination(pino.destination({ dest: join(runDir, 'host.jsonl'), sync: true, mkdir: true }), redactor),
  );
  hostLog.info({ dryRun: options.dryRun, configDir: options.configDir, selection }, 'run start');

  // A real run holds the host lock for its whole length and first finishes what a killed run left.
  try {
    const lock = options.dryRun ? undefined : await acquireRunLock(statePaths(stateDir).lockFile, runId);
    try {
      return await runLocked();
    } catch (error) {
      // A real run that ends in an error still leaves a report, metrics and a notification.
      if (!options.dryRun) await publishFailure(error);
      throw error;
    } finally {
      await lock?.release();
    }
  } catch (error) {
    // An error message may quote command output; it reaches the terminal only scrubbed.
    throw redactor.value(error);
  }

  // How a container whose update was interrupted is finished (journal rules, per its policy).
  function interruptPolicy(vmid: number): { onInterrupt: 'rollback' | 'verify'; rollbackTimeoutMs: number } {
    const p = effectivePolicy(prepared.config, vmid);
    return { onInterrupt: p.rollback.onInterrupt, rollbackTimeoutMs: p.timeoutsMs.rollback };
  }

  async function runLocked(): Promise<RunOutcome> {
    const recoveries = options.dryRun ? [] : await recoverInterrupted(stateDir, host, interruptPolicy, hostLog);
    for (const r of recoveries) hostLog.warn({ recovery: r }, 'recovered an interrupted container');
    const unrecovered = new Map(recoveries.filter((r) => r.action === 'failed').map((r) => [r.vmid, r]));

    const { fleet, decisions: resolved } = await resolveFleet(prepared, selection, host);
    // A container whose interrupted update could not be resolved is left alone until it is.
    const decisions = resolved.map(
      (d): TargetDecision =>
        d.selected && unrecovered.has(d.vmid)
          ? { ...d, selected: false, reason: 'recovery-failed', detail: unrecovered.get(d.vmid)?.error ?? 'recovery failed' }
          : d,
    );
    const byVmid = new Map(fleet.map((ct) => [ct.vmid, ct]));
    const selected = decisions.filter((d) => d.selected);
    events.emit('run:start', { runId, dryRun: options.dryRun, targets: selected.map((d) => d.vmid) });
    for (const d of decisions) {
      if (!d.selected && d.reason) {
        hostLog.info({ vmid: d.vmid, reason: d.reason, detail: d.detail }, 'container skipped');
        events.emit('container:skip', { runId, vmid: d.vmid, reason: d.reason, ...(d.detail ? { detail: d.detail } : {}) });
      }
    }

    const maxConcurrency = prepared.config.global.max_concurrency ?? DEFAULT_MAX_CONCURRENCY;
    const pool = new ContainerPool({
      maxConcurrency,
      node,
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.abortGraceMs !== undefined ? { abortGraceMs: options.abortGraceMs } : {}),
      onEvent: ({ name, payload }) => {
        hostLog.debug({ event: name, payload }, 'event');
        events.emit(name as keyof LifecycleEvents, payload as never);
      },
    });
    const reports = new Map<number, ContainerReport>();
    const gate = windowGate(prepared, options, started);
    // Pacing and emergency stops apply to real runs (a plan changes nothing).
    const g = prepared.config.global;
    const killSwitchFile = g.kill_switch_file ?? join(prepared.config.dir, 'STOP');
    const control = options.dryRun
      ? undefined
      : new StartControl({
          killSwitchFile,
          ...(g.max_runtime?.run ? { runDeadline: started.getTime() + g.max_runtime.run * 1000 } : {}),
          jitterMs: g.jitter_ms ?? 0,
          ...(g.max_starts_per_minute ? { maxStartsPerMinute: g.max_starts_per_minute } : {}),
          load: { maxLoad: maxLoadOf(prepared), readLoad: options.readLoad ?? (() => loadavg()[0] ?? 0) },
          pollMs: (g.preflight?.poll_s ?? CONFIG_DEFAULTS.preflight.poll_s) * 1000,
          giveUpMs: (g.preflight?.give_up_after_s ?? CONFIG_DEFAULTS.preflight.give_up_after_s) * 1000,
          now: () => now().getTime(),
          sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
          random: options.random ?? Math.random,
        });
    const recoverTerminated = async (report: ContainerReport): Promise<void> => {
      const [recovery] = await recoverInterrupted(stateDir, host, interruptPolicy, hostLog, report.vmid);
      if (!recovery) return;
      hostLog.warn({ recovery }, 'finished a terminated container');
      if (recovery.action === 'rolled-back' && recovery.to) {
        report.outcome = 'rolled-back';
        report.rollback = {
          reason: `${report.error?.code}: ${report.error?.message}`,
          kind: recovery.to.startsWith('/') ? 'vzdump' : 'snapshot',
          to: recovery.to,
          running: true,
          durationMs: 0,
        };
      } else if (recovery.action === 'failed') {
        report.rollback = {
          reason: `${report.error?.code}: ${report.error?.message}`,
          kind: 'snapshot',
          to: '',
          running: false,
          durationMs: 0,
          error: recovery.error ?? recovery.detail,
        };
      }
    };
    try {
      // Containers start as slots free up, so the window is asked at each start, not once.
      await mapLimit(selected, maxConcurrency, async (d) => {
        const ct = byVmid.get(d.vmid) as ContainerInfo;
        const admission = gate?.mayStart(now(), effectivePolicy(prepared.config, d.vmid).risk);
        if (admission && !admission.allowed) {
          const reason = admission.reason === 'window-closing' ? 'window-closing' : 'outside-window';
          const detail =
            admission.reason === 'window-closing'
              ? `the maintenance window closes in ${Math.round(admission.remainingMs / 60_000)} min; no new container starts (--force overrides)`
              : 'outside the maintenance window (--force overrides)';
          hostLog.info({ vmid: d.vmid, reason }, 'not started: maintenance window');
          events.emit('container:skip', { runId, vmid: d.vmid, reason, detail });
          reports.set(d.vmid, skippedReport(ct, { ...d, selected: false, reason, detail }));
          return;
        }
        let loadWaitMs = 0;
        if (control) {
          const verdict = await control.admit();
          if (!verdict.ok) {
            hostLog.warn({ vmid: d.vmid, reason: verdict.reason }, 'not started');
            events.emit('container:skip', { runId, vmid: d.vmid, reason: verdict.reason, detail: verdict.detail });
            reports.set(d.vmid, skippedReport(ct, { ...d, selected: false, reason: verdict.reason, detail: verdict.detail }));
            return;
          }
          loadWaitMs = verdict.pressureWaitMs;
          if (verdict.pressureWaitMs > 0) {
            hostLog.info({ vmid: d.vmid, waitedMs: verdict.pressureWaitMs }, 'started after the host load dropped');
          }
          if (verdict.jitterMs > 0 || verdict.rateWaitMs > 0) {
            hostLog.info({ vmid: d.vmid, jitterMs: verdict.jitterMs, rateWaitMs: verdict.rateWaitMs }, 'staggered start');
          }
        }
        const task = buildTask(prepared, ct, runId, options.dryRun, runDir, stateDir);
        if (secretValues.length > 0) task.secrets = secretValues;
        if (control) task.killSwitchFile = killSwitchFile;
        const maxContainerMs = prepared.config.global.max_runtime?.container;
        const deadlineMs = maxContainerMs ? Math.min(maxContainerMs * 1000, containerDeadlineMs(task)) : containerDeadlineMs(task);
        let report = await pool.run(task, deadlineMs);
        // Backpressure on the backup storage: the container only ran its pre-flight; it waits
        // until the storage is below the limit (or the run gives up on it) and starts again.
        let storageWaitMs = 0;
        while (control && report.skipReason === 'storage-full' && report.preflight?.storage) {
          const { name, limitPercent } = report.preflight.storage;
          hostLog.warn({ vmid: d.vmid, storage: name, detail: report.skipDetail }, 'waiting for the backup storage');
          const waited = await control.waitWhile(`storage:${name}`, 'storage-full', async () => {
            const judged = judgeStorage(await host.storageStatus(), name, limitPercent);
            return judged.kind === 'full' ? judged.detail : undefined;
          });
          if (!waited.ok) {
            report.skipReason = waited.reason;
            report.skipDetail = waited.detail;
            events.emit('container:skip', { runId, vmid: d.vmid, reason: waited.reason, detail: waited.detail });
            break;
          }
          storageWaitMs += waited.waitedMs;
          report = await pool.run(task, deadlineMs);
        }
        if (loadWaitMs + storageWaitMs > 0) report.preflight = { ...report.preflight, waitedMs: loadWaitMs + storageWaitMs };
        if (report.error?.step === 'pipeline' && (report.error.code === 'E_STEP_TIMEOUT' || report.error.code === 'E_WORKER_CRASHED')) {
          // Stopped at its deadline, or its thread died mid-pipeline: finish it now by the journal's rules (rollback by default).
          await recoverTerminated(report);
        }
        hostLog.info({ vmid: d.vmid, outcome: report.outcome, error: report.error, durationMs: report.durationMs }, 'container done');
        reports.set(d.vmid, report);
      });
    } finally {
      await pool.close();
    }

    const containers = decisions.map((d) => reports.get(d.vmid) ?? skippedReport(byVmid.get(d.vmid) as ContainerInfo, d));
    const count = (o: ContainerReport['outcome']) => containers.filter((c) => c.outcome === o).length;
    const failed = count('failed');
    const rolledBack = count('rolled-back');
    const cutShort = containers.filter((c) => CUT_SHORT_REASONS.has(c.skipReason ?? '')).length;
    const exitCode =
      failed + rolledBack + unrecovered.size > 0 ? EXIT_CODES.CONTAINER_FAILED : cutShort > 0 ? EXIT_CODES.CUT_SHORT : EXIT_CODES.OK;
    const finished = new Date();
    const raw: RunReport = {
      schema: REPORT_SCHEMA_ID,
      runId,
      dryRun: options.dryRun,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      unrotVersion: options.unrotVersion ?? '0.0.0',
      host: { node, hostname: osHostname() },
      configDir: options.configDir,
      selection: { cts: [...(selection.cts ?? [])], tags: [...(selection.tags ?? [])] },
      exitCode,
      summary: {
        containers: containers.length,
        updated: count('updated'),
        rolledBack,
        cutShort,
        nothingToDo: count('nothing-to-do'),
        planned: count('planned'),
        skipped: count('skipped'),
        failed,
        packagesChanged: containers.reduce((n, c) => n + c.runners.reduce((m, r) => m + r.changed.length, 0), 0),
      },
      containers,
      recoveries,
      logDir: runDir,
      notifications: [],
    };
    const { report, reportPath } = await publish(raw);
    events.emit('run:end', { runId, exitCode, reportPath });
    return { report, reportPath, exitCode, redactor };
  }

  /**
   * Writes report.json and, for a real run, the audit artifacts, then notifies and records the
   * deliveries in the report. Container reports quote command output and errors: the report is
   * scrubbed as a whole.
   */
  async function publish(raw: RunReport): Promise<{ report: RunReport; reportPath: string }> {
    let report = redactor.value(raw);
    const reportPath = join(runDir, 'report.json');
    await writeFileAtomic(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    if (!options.dryRun) {
      await finishRunArtifacts({
        report,
        stateDir,
        prometheusTextfile: prepared.config.global.prometheus_textfile,
        redactor,
        log: hostLog,
      });
      // Dry-runs do not notify: a plan is read at the terminal. A real run tells its sinks,
      // never failing and never waiting past the deadline, and records how each delivery went.
      const sinks = notifications?.sinks ?? [];
      if (sinks.length > 0) {
        const sent = await notifyRun({
          report,
          sinks,
          redactor,
          log: hostLog,
          stateFile: join(stateDir, 'notify-state.json'),
          deadlineMs: options.notifyDeadlineMs ?? NOTIFY_DEADLINE_MS,
        });
        report = { ...report, notifications: redactor.value(sent.deliveries) };
        await writeFileAtomic(reportPath, `${JSON.stringify(report, null, 2)}\n`);
      }
    }
    hostLog.info({ exitCode: report.exitCode, summary: report.summary, reportPath, notifications: report.notifications }, 'run end');
    hostLog.flush();
    return { report, reportPath };
  }

  /** The report of a run that ended in an error (host tools failing, a bug): no containers, its exit code and error. */
  async function publishFailure(error: unknown): Promise<void> {
    try {
      const e = toUnrotError(error);
      const exitCode = CONFIG_CODES.has(e.code)
        ? EXIT_CODES.CONFIG_ERROR
        : (e as { hostError?: boolean }).hostError
          ? EXIT_CODES.HOST_ERROR
          : EXIT_CODES.INTERNAL_ERROR;
      const finished = now();
      await publish({
        schema: REPORT_SCHEMA_ID,
        runId,
        dryRun: options.dryRun,
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: Math.max(0, finished.getTime() - started.getTime()),
        unrotVersion: options.unrotVersion ?? '0.0.0',
        host: { node, hostname: osHostname() },
        configDir: options.configDir,
        selection: { cts: [...(selection.cts ?? [])], tags: [...(selection.tags ?? [])] },
        exitCode,
        summary: { containers: 0, updated: 0, rolledBack: 0, nothingToDo: 0, planned: 0, skipped: 0, failed: 0, packagesChanged: 0 },
        containers: [],
        recoveries: [],
        logDir: runDir,
        notifications: [],
        error: { code: e.code, message: e.message },
      });
    } catch (inner) {
      hostLog.error({ error: redactor.string(String(inner)) }, 'the report of the failed run could not be written');
    }
  }
}
