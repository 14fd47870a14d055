import type { Admission } from './admission.js';
import { mayStartContainer } from './admission.js';
import { MINUTE_MS, HOUR_MS } from './duration.js';
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

/** Whether a container of this risk may start now: full windows take everyone, quick passes only `low`. */
export function mayStartNow(
  schedule: MaintenanceSchedule,
  now: Date,
  risk: ContainerRisk = 'normal',
): Admission & { pass: Pass['kind'] | null } {
  const full = currentWindow(schedule.full, now);
  const fullAdmission = mayStartContainer(full, now, schedule.cutoffMs);
  if (fullAdmission.allowed || risk !== 'low') return { ...fullAdmission, pass: full ? 'full' : null };
  const quick = currentWindow(schedule.quick, now);
  const quickAdmission = mayStartContainer(quick, now, schedule.cutoffMs);
  if (quickAdmission.allowed) return { ...quickAdmission, pass: 'quick' };
  return full ? { ...fullAdmission, pass: 'full' } : { ...quickAdmission, pass: quick ? 'quick' : null };
}
