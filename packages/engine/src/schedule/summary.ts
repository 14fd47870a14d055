import { formatDuration } from './duration.js';
import type { MaintenanceSchedule } from './schedule.js';
import { describeWindow, nextWindow, skippedStarts, type WindowSet, type WindowSpec } from './windows.js';
import { formatLocal } from './zoned-time.js';

export interface ScheduleSummary {
  timeZone: string;
  windows: string[];
  quickPass: string[];
  randomizedDelay: string;
  cutoff: string;
  /** the next opening of a full window / quick pass, as ISO instants */
  nextWindow: { start: string; end: string; startLocal: string; endLocal: string } | null;
  nextQuickPass: { start: string; end: string; startLocal: string; endLocal: string } | null;
  /** starts that a DST gap removes in the next year (systemd does not fire on them either) */
  warnings: string[];
}

function next(set: WindowSet, now: Date): ScheduleSummary['nextWindow'] {
  const w = nextWindow(set, now);
  if (!w) return null;
  return {
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    startLocal: formatLocal(w.start.getTime(), set.timeZone),
    endLocal: formatLocal(w.end.getTime(), set.timeZone),
  };
}

/** What `unrot schedule install|show` tell the admin about a schedule at `now`. */
export function summarizeSchedule(schedule: MaintenanceSchedule, now: Date): ScheduleSummary {
  const warnings: string[] = [];
  for (const [label, set] of [
    ['window', schedule.full],
    ['quick pass', schedule.quick],
  ] as const) {
    for (const s of skippedStarts(set, now))
      warnings.push(
        `${label} ${describeWindow(set.windows[s.window] as WindowSpec)}: ${s.start} does not exist on ${s.date} in ${schedule.timeZone} (clocks spring forward), so there is no ${label} that day; a start outside the DST change hour avoids this`,
      );
  }
  return {
    timeZone: schedule.timeZone,
    windows: schedule.full.windows.map(describeWindow),
    quickPass: schedule.quick.windows.map(describeWindow),
    randomizedDelay: formatDuration(schedule.randomizedDelayMs),
    cutoff: formatDuration(schedule.cutoffMs),
    nextWindow: next(schedule.full, now),
    nextQuickPass: next(schedule.quick, now),
    warnings,
  };
}

/** Human lines for a summary. */
export function formatSummary(s: ScheduleSummary): string[] {
  const lines = [`time zone: ${s.timeZone}`];
  for (const w of s.windows) lines.push(`window: ${w}`);
  for (const w of s.quickPass) lines.push(`quick pass (risk: low only): ${w}`);
  lines.push(`randomized delay: up to ${s.randomizedDelay}; no new container in the last ${s.cutoff} of a window`);
  if (s.nextWindow) lines.push(`next window: ${s.nextWindow.startLocal} – ${s.nextWindow.endLocal}`);
  if (s.nextQuickPass) lines.push(`next quick pass: ${s.nextQuickPass.startLocal} – ${s.nextQuickPass.endLocal}`);
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines;
}
