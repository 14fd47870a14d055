import type { Notification, Severity } from '@unrot/sdk';

/** The counts of a run report's `summary` (docs/report-format.md), when the report has one. */
export type RunSummary = Record<string, number>;

export function summaryOf(report: unknown): RunSummary | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const summary = (report as { summary?: unknown }).summary;
  if (typeof summary !== 'object' || summary === null) return undefined;
  const counts = Object.entries(summary).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
  return counts.length > 0 ? Object.fromEntries(counts) : undefined;
}

const SUMMARY_WORDS: [key: string, word: string][] = [
  ['containers', 'containers'],
  ['updated', 'updated'],
  ['nothingToDo', 'nothing to do'],
  ['planned', 'planned'],
  ['skipped', 'skipped'],
  ['failed', 'failed'],
  ['packagesChanged', 'packages changed'],
];

/** "3 containers, 2 updated, 1 failed, 4 packages changed" — zero counts left out. */
export function summaryLine(summary: RunSummary | undefined): string | undefined {
  if (!summary) return undefined;
  const parts = SUMMARY_WORDS.filter(([k]) => (summary[k] ?? 0) > 0 || k === 'containers').map(([k, w]) => `${summary[k] ?? 0} ${w}`);
  return parts.join(', ');
}

/** The text of a message, never empty (several services refuse an empty body). */
export function bodyText(message: Notification): string {
  return message.text.trim().length > 0 ? message.text : message.title;
}

export const SEVERITY_EMOJI: Record<Severity, string> = { success: '✅', degraded: '⚠️', failure: '🚨' };
