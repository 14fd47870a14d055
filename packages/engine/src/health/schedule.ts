import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { type Probe, ProbeAttemptSchema, type ProbeContext, toUnrotError, UnrotError } from '@unrot/sdk';
import { withTimeout } from '../lifecycle/with-timeout.js';
import { type Clock, realClock } from './clock.js';
import type { HealthSchedule } from './policy-schema.js';

export type HealthOutcome = 'pass' | 'warn' | 'fail';

export interface HealthAttempt {
  ok: boolean;
  durationMs: number;
  detail: string;
  /** ISO 8601 time the attempt started. */
  startedAt: string;
}

export interface ScheduleResult {
  outcome: HealthOutcome;
  attempts: HealthAttempt[];
  /** One sentence for the report: why this outcome. */
  summary: string;
  /** Why a pass is only a warn: 'recovered' (failed attempts came first), 'slow' (over latency_warn_ms). */
  warnings: ('recovered' | 'slow')[];
}

export interface RunScheduleArgs {
  probe: Probe<TSchema>;
  /** Builds the probe's context for one attempt; the signal ends with the attempt. */
  context: (signal: AbortSignal) => ProbeContext<unknown>;
  schedule: HealthSchedule;
  /** Aborting it ends the schedule with E_EXEC_ABORTED (it is not a failed check). */
  signal?: AbortSignal;
  clock?: Clock;
}

/** Errors that the next attempt would hit the same way: the schedule ends at once. */
const NOT_RETRIED = new Set(['E_CONFIG']);

export function backoffDelay(schedule: HealthSchedule, n: number): number {
  const { initial_ms, factor, max_ms } = schedule.backoff;
  return Math.round(Math.min(max_ms, initial_ms * factor ** n));
}

async function attemptOnce(args: RunScheduleArgs, parent: AbortSignal, clock: Clock): Promise<HealthAttempt & { code?: string }> {
  const startedAt = clock.now();
  const base = { startedAt: new Date(startedAt).toISOString() };
  try {
    const result = await withTimeout(`probe ${args.probe.id}`, args.schedule.attempt_timeout_ms, parent, (signal) =>
      args.probe.attempt(args.context(signal)),
    );
    if (!Value.Check(ProbeAttemptSchema, result))
      return {
        ...base,
        ok: false,
        durationMs: Math.max(0, clock.now() - startedAt),
        detail: `probe ${args.probe.id} returned an invalid result`,
      };
    return { ...base, ok: result.ok, durationMs: result.durationMs, detail: result.detail };
  } catch (error) {
    if (parent.aborted) throw new UnrotError('E_EXEC_ABORTED', `health check with probe ${args.probe.id} aborted`);
    const coded = toUnrotError(error);
    const detail =
      coded.code === 'E_STEP_TIMEOUT'
        ? `probe ${args.probe.id} did not finish within ${args.schedule.attempt_timeout_ms} ms`
        : `${coded.code}: ${coded.message}`;
    return { ...base, ok: false, durationMs: Math.max(0, clock.now() - startedAt), detail, code: coded.code };
  }
}

/**
 * Runs attempts until success_threshold passes in a row (pass, or warn), failure_threshold
 * failures in a row (fail), or attempts run out (fail). Waits warmup_ms first and backs off between attempts.
 */
export async function runSchedule(args: RunScheduleArgs): Promise<ScheduleResult> {
  const { schedule } = args;
  const clock = args.clock ?? realClock;
  const signal = args.signal ?? new AbortController().signal;
  const attempts: HealthAttempt[] = [];
  let passedInRow = 0;
  let failedInRow = 0;

  await clock.sleep(schedule.warmup_ms, signal);
  for (let i = 0; i < schedule.attempts; i++) {
    if (i > 0) await clock.sleep(backoffDelay(schedule, i - 1), signal);
    const { code, ...attempt } = await attemptOnce(args, signal, clock);
    attempts.push(attempt);
    if (attempt.ok) {
      passedInRow++;
      failedInRow = 0;
    } else {
      failedInRow++;
      passedInRow = 0;
    }
    if (passedInRow >= schedule.success_threshold) return passed(attempts, schedule);
    if (failedInRow >= schedule.failure_threshold)
      return { outcome: 'fail', attempts, warnings: [], summary: `${failedInRow} failed attempts in a row: ${attempt.detail}` };
    if (code !== undefined && NOT_RETRIED.has(code))
      return { outcome: 'fail', attempts, warnings: [], summary: `not retried: ${attempt.detail}` };
  }
  const last = attempts.at(-1);
  return {
    outcome: 'fail',
    attempts,
    warnings: [],
    summary: `no ${schedule.success_threshold} passed attempts in a row within ${schedule.attempts} attempts; last: ${last?.detail ?? 'none'}`,
  };
}

function passed(attempts: HealthAttempt[], schedule: HealthSchedule): ScheduleResult {
  const warnings: ScheduleResult['warnings'] = [];
  const failures = attempts.filter((a) => !a.ok).length;
  if (failures > 0) warnings.push('recovered');
  const streak = attempts.slice(-schedule.success_threshold);
  const slowest = Math.max(...streak.map((a) => a.durationMs));
  const warnMs = schedule.latency_warn_ms;
  if (warnMs !== undefined && slowest > warnMs) warnings.push('slow');
  const notes: string[] = [];
  if (failures > 0) notes.push(`after ${failures} failed attempt${failures === 1 ? '' : 's'}`);
  if (warnings.includes('slow')) notes.push(`slowest ${slowest} ms, over latency_warn_ms ${warnMs}`);
  const last = attempts.at(-1)?.detail ?? '';
  return {
    outcome: warnings.length > 0 ? 'warn' : 'pass',
    attempts,
    warnings,
    summary: notes.length > 0 ? `passed ${notes.join(', ')}: ${last}` : `passed: ${last}`,
  };
}
