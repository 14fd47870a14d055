import { UnrotError } from '@unrot/sdk';
import { DAY_MS, formatDuration } from './duration.js';
import { addDays, isoDate, localParts, resolveLocal } from './zoned-time.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One recurring window: on each of `days`, from `start` (local HH:MM) for `durationMs` of elapsed time. */
export interface WindowSpec {
  days: readonly Weekday[];
  /** `HH:MM`, 24-hour, in the set's time zone. */
  start: string;
  durationMs: number;
}

/** Windows share one IANA time zone (the host's unless the policy names one). */
export interface WindowSet {
  timeZone: string;
  windows: readonly WindowSpec[];
}

/** A concrete opening: start inclusive, end exclusive. */
export interface WindowInstance {
  start: Date;
  end: Date;
}

/** A window start that does not exist on a date because the clocks jump over it. */
export interface SkippedStart {
  date: string;
  start: string;
  window: number;
}

/** Longest window accepted; with it, a look-back of 8 days finds every opening still running. */
export const MAX_WINDOW_MS = 7 * DAY_MS;
/** Far enough ahead to find a weekly window even when one of its days is skipped (DST gap). */
const LOOKAHEAD_DAYS = 15;

export function parseStart(start: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(start);
  if (!m) throw new UnrotError('E_CONFIG', `'${start}' is not a start time (expected HH:MM, 00:00–23:59)`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

interface Occurrence {
  start: number;
  end: number;
}

/**
 * Every opening whose local start date lies in [from − 8 days, from + 15 days].
 * DST rules (the same as systemd's OnCalendar with a time zone, which the timer uses):
 * - a start inside a spring-forward gap does not exist that day: no opening that day;
 * - a start inside a fall-back overlap means its first (earlier) occurrence, once.
 * The duration is elapsed time, so a 4h window across a clock change lasts 4 real hours.
 */
function occurrences(set: WindowSet, from: number, skipped?: SkippedStart[]): Occurrence[] {
  const today = localParts(from, set.timeZone);
  const out: Occurrence[] = [];
  const lookBack = Math.ceil(MAX_WINDOW_MS / DAY_MS) + 1;
  set.windows.forEach((w, index) => {
    const { hour, minute } = parseStart(w.start);
    const days = new Set(w.days.map((d) => WEEKDAYS.indexOf(d)));
    for (let k = -lookBack; k <= LOOKAHEAD_DAYS; k++) {
      const date = addDays(today, k);
      if (!days.has(new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay())) continue;
      const r = resolveLocal(date, hour, minute, set.timeZone);
      if (r.kind === 'gap') {
        skipped?.push({ date: isoDate(date), start: w.start, window: index });
        continue;
      }
      const start = r.kind === 'unique' ? r.instant : r.earlier;
      out.push({ start, end: start + w.durationMs });
    }
  });
  return out.sort((a, b) => a.start - b.start);
}

/** Overlapping or touching openings become one: Sat 22:00+3h and Sun 01:00+2h is 22:00–03:00. */
function merged(set: WindowSet, from: number): Occurrence[] {
  const out: Occurrence[] = [];
  for (const o of occurrences(set, from)) {
    const last = out[out.length - 1];
    if (last && o.start <= last.end) last.end = Math.max(last.end, o.end);
    else out.push({ ...o });
  }
  return out;
}

const toInstance = (o: Occurrence): WindowInstance => ({ start: new Date(o.start), end: new Date(o.end) });

/** The opening that contains `now` (merged with any overlapping one), or null. */
export function currentWindow(set: WindowSet, now: Date): WindowInstance | null {
  const t = now.getTime();
  const hit = merged(set, t).find((o) => o.start <= t && t < o.end);
  return hit ? toInstance(hit) : null;
}

export function isInside(set: WindowSet, now: Date): boolean {
  return currentWindow(set, now) !== null;
}

/** The next opening that starts after `now` (strictly); the current one does not count. */
export function nextWindow(set: WindowSet, now: Date): WindowInstance | null {
  const t = now.getTime();
  const next = merged(set, t).find((o) => o.start > t);
  return next ? toInstance(next) : null;
}

/** Milliseconds until the current opening closes; 0 outside every window. */
export function remaining(set: WindowSet, now: Date): number {
  const w = currentWindow(set, now);
  return w ? w.end.getTime() - now.getTime() : 0;
}

/** Window starts the clocks skip between `from` and `from + days` (spring-forward gaps). */
export function skippedStarts(set: WindowSet, from: Date, days = 366): SkippedStart[] {
  const seen = new Map<string, SkippedStart>();
  for (let k = 0; k < days; k += LOOKAHEAD_DAYS) {
    const found: SkippedStart[] = [];
    occurrences(set, from.getTime() + k * DAY_MS, found);
    for (const s of found) {
      const at = Date.parse(`${s.date}T00:00:00Z`);
      if (at >= from.getTime() - DAY_MS && at <= from.getTime() + days * DAY_MS) seen.set(`${s.window}@${s.date}`, s);
    }
  }
  return [...seen.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.window - b.window));
}

const DISPLAY_ORDER: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `sat,sun 23:00 for 3h` / `daily 12:00 for 1h`, Monday first whatever order the policy used. */
export function describeWindow(w: WindowSpec): string {
  const days = WEEKDAYS.every((d) => w.days.includes(d)) ? 'daily' : DISPLAY_ORDER.filter((d) => w.days.includes(d)).join(',');
  return `${days} ${w.start} for ${formatDuration(w.durationMs)}`;
}
