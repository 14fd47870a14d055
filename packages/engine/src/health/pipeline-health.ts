import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { type ContainerInfo, type Exec, type Logger, type Probe, toUnrotError, UnrotError } from '@unrot/sdk';
import { BaselineStore, type HistoryJudgement, judgeHistory } from './baseline-store.js';
import { loadProbeModule } from './discover-probes.js';
import { type GateDecision, type GatePolicy, gate } from './gate.js';
import type { HealthHistoryPolicy, HealthSchedule } from './policy-schema.js';
import { runSchedule, type ScheduleResult } from './schedule.js';

/** One health check as a worker runs it: the probe module by path, options with defaults, a full schedule. */
export interface TaskHealthCheck {
  name: string;
  probe: string;
  modulePath: string;
  options: unknown;
  schedule: HealthSchedule;
  /** pre_existing, on_warn, unreliable and history; keys left out mean their defaults. */
  gate: GatePolicy & { history?: Partial<HealthHistoryPolicy> };
}

export type LoadProbe = (id: string, modulePath: string) => Promise<Probe<TSchema>>;

/** A check's outcome in one phase, for the report: every attempt with its timing. */
export interface PhaseReport {
  outcome: ScheduleResult['outcome'];
  summary: string;
  warnings: ScheduleResult['warnings'];
  attempts: ScheduleResult['attempts'];
}

export interface HealthCheckReport {
  name: string;
  probe: string;
  baseline?: PhaseReport;
  /** Why there is no baseline (the schedule could not run). */
  baselineError?: string;
  after?: PhaseReport;
  verdict?: GateDecision['verdict'];
  rollback?: boolean;
  reason?: string;
  /** The check's recent baselines as the gate judged them. */
  history?: HistoryJudgement;
}

/**
 * The container's address as the host sees it, from `pct config` net0 (`ip=10.0.0.5/24`).
 * DHCP, manual or missing addresses give undefined: probes then use their own host or 127.0.0.1.
 */
export function containerAddress(config: Readonly<Record<string, string>>): string | undefined {
  const net0 = config['net0'];
  if (net0 === undefined) return undefined;
  for (const part of net0.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key?.trim() !== 'ip' || value === undefined) continue;
    const ip = value.trim().split('/')[0] ?? '';
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : undefined;
  }
  return undefined;
}

const phaseReport = (r: ScheduleResult): PhaseReport => ({
  outcome: r.outcome,
  summary: r.summary,
  warnings: r.warnings,
  attempts: r.attempts,
});

export interface HealthRunnerDeps {
  checks: readonly TaskHealthCheck[];
  container: ContainerInfo;
  stateDir: string;
  loadProbe?: LoadProbe;
  log: Logger;
  /** A read-only exec for one check's attempt (the engine's exec, so every command is logged). */
  readExec: (check: string, signal: AbortSignal) => Pick<Exec, 'read'>;
  address: () => string | undefined;
}

/**
 * Runs the configured checks before (baseline) and after an update and gates the result.
 * One instance per container pipeline; results are kept in `reports` for the container report.
 */
export class ContainerHealth {
  readonly reports: HealthCheckReport[];
  private readonly store: BaselineStore;
  private readonly baselines = new Map<string, ScheduleResult>();

  constructor(private readonly deps: HealthRunnerDeps) {
    this.reports = deps.checks.map((c) => ({ name: c.name, probe: c.probe }));
    this.store = new BaselineStore(join(deps.stateDir, 'health'));
  }

  private async schedule(check: TaskHealthCheck, signal: AbortSignal): Promise<ScheduleResult> {
    const probe = await (this.deps.loadProbe ?? ((_id, path) => loadProbeModule(path)))(check.probe, check.modulePath);
    const address = this.deps.address();
    return runSchedule({
      probe,
      schedule: check.schedule,
      signal,
      context: (attemptSignal) => ({
        exec: this.deps.readExec(check.name, attemptSignal),
        log: this.deps.log,
        signal: attemptSignal,
        options: check.options,
        container: this.deps.container,
        ...(address !== undefined ? { address } : {}),
      }),
    });
  }

  private async record(check: TaskHealthCheck, result: ScheduleResult, phase: string): Promise<void> {
    try {
      // Each update adds a baseline and an after-update result: keep two per baseline the gate judges.
      await this.store.record(this.deps.container.vmid, check.name, result, phase, new Date(), 2 * historyWindow(check));
    } catch (error) {
      // History informs decisions; it never blocks a run.
      this.deps.log.warn({ check: check.name, err: toUnrotError(error).message }, 'could not record the health history');
    }
  }

  /** The check's history as the gate reads it; undefined when it cannot be read (it never blocks a run). */
  private async judge(check: TaskHealthCheck): Promise<HistoryJudgement | undefined> {
    try {
      return judgeHistory(await this.store.history(this.deps.container.vmid, check.name), check.gate.history);
    } catch (error) {
      this.deps.log.warn({ check: check.name, err: toUnrotError(error).message }, 'could not read the health history');
      return undefined;
    }
  }

  /** Baseline: a failing check is an outcome, not an error; an abort still ends the run. */
  async baseline(signal: AbortSignal): Promise<void> {
    for (const [i, check] of this.deps.checks.entries()) {
      const report = this.reports[i] as HealthCheckReport;
      try {
        const result = await this.schedule(check, signal);
        this.baselines.set(check.name, result);
        report.baseline = phaseReport(result);
        this.deps.log.info({ check: check.name, outcome: result.outcome, summary: result.summary }, 'health baseline');
        await this.record(check, result, 'before-update');
      } catch (error) {
        const coded = toUnrotError(error);
        if (coded.code === 'E_EXEC_ABORTED' || signal.aborted) throw error;
        report.baselineError = `${coded.code}: ${coded.message}`;
        this.deps.log.warn({ check: check.name, err: report.baselineError }, 'health baseline could not run');
      }
    }
  }

  /**
   * After the update: every check's schedule, then the gate. Throws E_HEALTH_FAILED naming
   * each check that decides a rollback; pre-existing failures are only reported (by default).
   */
  async verify(signal: AbortSignal): Promise<void> {
    const failures: string[] = [];
    for (const [i, check] of this.deps.checks.entries()) {
      const report = this.reports[i] as HealthCheckReport;
      let result: ScheduleResult;
      try {
        result = await this.schedule(check, signal);
      } catch (error) {
        const coded = toUnrotError(error);
        if (coded.code === 'E_EXEC_ABORTED' || signal.aborted) throw error;
        // The probe could not even be loaded or run: that is a failed check, not a healthy one.
        result = { outcome: 'fail', attempts: [], warnings: [], summary: `${coded.code}: ${coded.message}` };
      }
      report.after = phaseReport(result);
      await this.record(check, result, 'after-update');
      const history = await this.judge(check);
      if (history) report.history = history;
      const decision = gate(this.baselines.get(check.name)?.outcome, result.outcome, check.gate, history?.class);
      report.verdict = decision.verdict;
      report.rollback = decision.rollback;
      report.reason = decision.reason;
      // A kept update with a failing check (pre-existing, or blamed on a flaky probe) is worth a warning in the log.
      this.deps.log[decision.verdict === 'pre-existing' ? 'warn' : 'info'](
        { check: check.name, outcome: result.outcome, verdict: decision.verdict, reason: decision.reason, history: history?.class },
        'health gate',
      );
      if (decision.rollback) failures.push(`${check.name} (${check.probe}) ${decision.verdict}: ${decision.reason}: ${result.summary}`);
    }
    if (failures.length > 0)
      throw new UnrotError('E_HEALTH_FAILED', `health check${failures.length === 1 ? '' : 's'} failed: ${failures.join('; ')}`, {
        checks: this.reports.filter((r) => r.rollback).map((r) => r.name),
      });
  }
}

const historyWindow = (check: TaskHealthCheck): number => check.gate.history?.window ?? 20;
