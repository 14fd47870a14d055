import type { ConfigProblem } from '../config/config-error.js';
import { formatPath, type KeyPath } from '../config/key-path.js';
import type { ProblemSite } from '../config/schema-problems.js';
import { formatDuration, parseDuration } from './duration.js';
import type { MaintenancePolicy } from './policy-schema.js';
import { type MaintenanceSchedule, SCHEDULE_DEFAULTS } from './schedule.js';
import { MAX_WINDOW_MS, WEEKDAYS, type Weekday, type WindowSpec } from './windows.js';
import { hostTimeZone, isValidTimeZone } from './zoned-time.js';

type WindowPolicy = NonNullable<MaintenancePolicy['windows']>[number];

/**
 * What the schema cannot say: the zone must exist, windows must be 1 minute–7 days long, and
 * the timer's jitter plus the cutoff must leave time in every window to start a container.
 * Expects a value the schema already accepted.
 */
export function maintenanceProblems(
  policy: MaintenancePolicy | undefined,
  site: ProblemSite,
  prefix: KeyPath = ['maintenance'],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: KeyPath, message: string, expected?: string) => {
    const full = [...prefix, ...path];
    problems.push({ file: site.file, ...site.locate(full), path: formatPath(full), message, ...(expected ? { expected } : {}) });
  };
  if (!policy) return problems;
  if (policy.time_zone !== undefined && !isValidTimeZone(policy.time_zone))
    at(['time_zone'], `unknown time zone '${policy.time_zone}'`, 'an IANA name like Europe/Berlin or UTC');
  const delay = policy.randomized_delay === undefined ? SCHEDULE_DEFAULTS.randomizedDelayMs : parseDuration(policy.randomized_delay);
  const cutoff = policy.cutoff === undefined ? SCHEDULE_DEFAULTS.cutoffMs : parseDuration(policy.cutoff);
  for (const key of ['windows', 'quick_pass'] as const) {
    (policy[key] ?? []).forEach((w, i) => {
      const ms = parseDuration(w.duration);
      if (ms <= 0 || ms > MAX_WINDOW_MS) at([key, i, 'duration'], `'${w.duration}' is out of range`, 'a duration from 1m to 7d');
      else if (delay + cutoff >= ms)
        at(
          [key, i, 'duration'],
          `a ${formatDuration(ms)} window leaves no time to start containers after randomized_delay ${formatDuration(delay)} and cutoff ${formatDuration(cutoff)}`,
          'a window longer than randomized_delay + cutoff',
        );
    });
  }
  return problems;
}

function toSpec(w: WindowPolicy): WindowSpec {
  return { days: (w.days as Weekday[] | undefined) ?? [...WEEKDAYS], start: w.start, durationMs: parseDuration(w.duration) };
}

/** Applies defaults; the zone defaults to the host's so windows follow the admin's clock. */
export function resolveSchedule(policy: MaintenancePolicy | undefined, defaultTimeZone: string = hostTimeZone()): MaintenanceSchedule {
  const timeZone = policy?.time_zone ?? defaultTimeZone;
  const windows = (policy?.windows ?? SCHEDULE_DEFAULTS.windows.map((w) => ({ ...w, days: [...w.days] }))).map(toSpec);
  return {
    timeZone,
    full: { timeZone, windows },
    quick: { timeZone, windows: (policy?.quick_pass ?? []).map(toSpec) },
    randomizedDelayMs:
      policy?.randomized_delay === undefined ? SCHEDULE_DEFAULTS.randomizedDelayMs : parseDuration(policy.randomized_delay),
    cutoffMs: policy?.cutoff === undefined ? SCHEDULE_DEFAULTS.cutoffMs : parseDuration(policy.cutoff),
  };
}
