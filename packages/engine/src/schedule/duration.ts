import { UnrotError } from '@unrot/sdk';

/** Same grammar as policy-schema's DURATION_PATTERN. Seconds are not offered because cron
 * cannot express them and windows are planned in minutes. */
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Milliseconds of a duration string; throws E_CONFIG on anything else (an empty string too). */
export function parseDuration(text: string): number {
  const m = DURATION_RE.exec(text);
  if (!m || text === '') throw new UnrotError('E_CONFIG', `'${text}' is not a duration (expected e.g. 3h, 90m, 1h30m)`);
  const [, d, h, min] = m;
  return Number(d ?? 0) * DAY_MS + Number(h ?? 0) * HOUR_MS + Number(min ?? 0) * MINUTE_MS;
}

/** The shortest `1d2h3m` spelling; `0m` for zero. */
export function formatDuration(ms: number): string {
  const totalMin = Math.round(ms / MINUTE_MS);
  const d = Math.floor(totalMin / 1440);
  const h = Math.floor((totalMin % 1440) / 60);
  const m = totalMin % 60;
  const out = `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
  return out === '' ? '0m' : out;
}
