import { UnrotError } from '@unrot/sdk';
import { DAY_MS } from './duration.js';

/** A wall-clock reading in some time zone; month 1–12, weekday 0 = Sunday. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** What one wall-clock time on one date means in a zone. */
export type ZonedResolution =
  | { kind: 'unique'; instant: number }
  /** The clocks jump over it (spring forward): the time does not exist that day. */
  | { kind: 'gap' }
  /** The clocks pass it twice (fall back): both instants, earlier first. */
  | { kind: 'overlap'; earlier: number; later: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-US with h23 gives plain numbers and 00–23 hours (no "24" at midnight).
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when ICU knows the IANA zone name (Node 20 ships full ICU). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The host's zone as Node sees it (TZ, else /etc/localtime). */
export function hostTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone))
    throw new UnrotError('E_CONFIG', `unknown time zone '${timeZone}' (expected an IANA name like Europe/Berlin)`);
}

export function localParts(instant: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const year = parts['year'] ?? 0;
  const month = parts['month'] ?? 1;
  const day = parts['day'] ?? 1;
  return {
    year,
    month,
    day,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** The wall-clock reading of an instant, as if that reading were UTC (milliseconds). */
function wallOf(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** local − UTC at an instant, in milliseconds (whole seconds). */
export function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallOf(whole, timeZone) - whole;
}

/**
 * The instants at which the clocks in `timeZone` show hour:minute on the given date. The
 * offsets a day before and a day after are the only candidates (no zone changes twice in two
 * days), so each is tried and kept when it really reproduces the wall time.
 */
export function resolveLocal(
  date: { year: number; month: number; day: number },
  hour: number,
  minute: number,
  timeZone: string,
): ZonedResolution {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const found = new Set<number>();
  for (const probe of [wall - DAY_MS, wall + DAY_MS]) {
    const candidate = wall - offsetAt(probe, timeZone);
    if (wallOf(candidate, timeZone) === wall) found.add(candidate);
  }
  const sorted = [...found].sort((a, b) => a - b);
  const [first, second] = sorted;
  if (first === undefined) return { kind: 'gap' };
  if (second === undefined) return { kind: 'unique', instant: first };
  return { kind: 'overlap', earlier: first, later: second };
}

/** The calendar date `days` after a date (negative for before). */
export function addDays(date: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** `2026-03-29` */
export function isoDate(date: { year: number; month: number; day: number }): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** `2026-03-29 03:30 CEST`-style rendering for humans: local wall time plus the UTC offset. */
export function formatLocal(instant: number, timeZone: string): string {
  const p = localParts(instant, timeZone);
  const off = offsetAt(instant, timeZone) / 60_000;
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${isoDate(p)} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')} ${timeZone} (UTC${sign}${hh}:${mm})`;
}
