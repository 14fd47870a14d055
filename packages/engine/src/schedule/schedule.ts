import type { Admission } from './admission.js';
import { mayStartContainer } from './admission.js';
import { HOUR_MS, MINUTE_MS } from './duration.js';
import type { ContainerRisk } from './policy-schema.js';
import { currentWindow, type WindowInstance, type WindowSet } from './windows.js';

/** The resolved `maintenance:` block: full windows, quick-pass windows and timer settings. */
export interface MaintenanceSchedule {
  timeZone: string;
  full: WindowSet;
  /** Windows in which only `risk: low` containers run; empty list when none. */
  quick: WindowSet;
  randomizedDelayMs: number;
  cutoffMs: number;
}

export const SCHEDULE_DEFAULTS = {
  windows: [{ days: ['sun'] as const, start: '02:00', duration: '4h' }],
  randomizedDelayMs: 10 * MINUTE_MS,
  cutoffMs: 30 * MINUTE_MS,
  windowMs: 4 * HOUR_MS,
} as const;

export type Pass = { kind: 'full'; window: WindowInstance } | { kind: 'quick'; window: WindowInstance };

/** Which pass `now` belongs to; a full window wins where both are open. */
export function passAt(schedule: MaintenanceSchedule, now: Date): Pass | null {
  const full = currentWindow(schedule.full, now);
  if (full) return { kind: 'full', window: full };
  const quick = currentWindow(schedule.quick, now);
  return quick ? { kind: 'quick', window: quick } : null;
}

export interface AdmissionGate {
  /** The windows open when the run started (null: none). */
  full: WindowInstance | null;
  quick: WindowInstance | null;
  /** May a container of this risk start at `now`? Judged against the windows captured at start. */
  mayStart(now: Date, risk?: ContainerRisk): Admission & { pass: Pass['kind'] | null };
}

/**
 * Captures the windows open when a run starts. Every later "may this container start?" is
 * answered against those, so a run that outlives its window never drifts into the next one:
 * a new window gets its own run from its own timer elapse.
 */
export function admissionGate(schedule: MaintenanceSchedule, startedAt: Date): AdmissionGate {
  const full = currentWindow(schedule.full, startedAt);
  const quick = currentWindow(schedule.quick, startedAt);
  return {
    full,
    quick,
    mayStart(now, risk = 'normal') {
      const byFull = mayStartContainer(full, now, schedule.cutoffMs);
      // a full window takes every container; the quick pass only low-risk ones
      if (byFull.allowed || risk !== 'low') return { ...byFull, pass: full ? 'full' : null };
      const byQuick = mayStartContainer(quick, now, schedule.cutoffMs);
      if (byQuick.allowed || !full) return { ...byQuick, pass: quick ? 'quick' : null };
      return { ...byFull, pass: 'full' };
    },
  };
}

/** One-off question at `now` with the windows open at `now`. */
export function mayStartNow(
  schedule: MaintenanceSchedule,
  now: Date,
  risk: ContainerRisk = 'normal',
): Admission & { pass: Pass['kind'] | null } {
  return admissionGate(schedule, now).mayStart(now, risk);
}
