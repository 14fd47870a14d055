import { join } from 'node:path';
import type { Notification } from '@unrot/sdk';
import type { ContainerReport } from '../lifecycle/container-result.js';
import type { RunReport } from '../report/run-report.js';
import { terminalField } from '../report/terminal-text.js';
import { readLogTail } from './log-tail.js';
import { attentionOf, isFailed, rollbackOf, type SeverityVerdict } from './severity.js';

export const LOG_TAIL_LINES = 20;
/** Lines of the failing command's own output (the report's error.output) a message shows. */
export const OUTPUT_TAIL_LINES_SHOWN = 10;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** `1 failed, 2 updated` — the counts someone scanning an inbox or a channel needs. */
export function countsPhrase(report: RunReport): string {
  const s = report.summary;
  const parts: string[] = [];
  const rolledBack = report.containers.filter((c) => rollbackOf(c) !== undefined).length;
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  if (rolledBack > 0) parts.push(`${rolledBack} rolled back`);
  if (s.updated > 0) parts.push(`${s.updated} updated`);
  if (s.planned > 0) parts.push(`${s.planned} with updates pending`);
  if ((s.needsAttention ?? 0) > 0) parts.push(`${s.needsAttention} need${s.needsAttention === 1 ? 's' : ''} attention`);
  if (parts.length === 0) parts.push(s.nothingToDo > 0 ? `${s.nothingToDo} up to date` : 'nothing to do');
  return parts.join(', ');
}

/** e.g. `FAILURE: 1 failed, 2 updated on pve1`. */
export function composeTitle(report: RunReport, verdict: SeverityVerdict): string {
  return `${verdict.severity.toUpperCase()}: ${countsPhrase(report)} on ${report.host.node}${report.dryRun ? ' (dry-run)' : ''}`;
}

function ctLabel(c: ContainerReport): string {
  return `CT ${c.vmid} ${c.name}`;
}

function changedSummary(c: ContainerReport): string {
  const per = c.runners.filter((r) => r.changed.length > 0 || r.updates.length > 0);
  return per.map((r) => `${r.id} ${r.changed.length > 0 ? r.changed.length : `${r.updates.length} pending`}`).join(', ');
}

function countsLine(report: RunReport): string {
  const s = report.summary;
  return [
    `${s.updated} updated (${plural(s.packagesChanged, 'package')} changed)`,
    `${s.nothingToDo} up to date`,
    ...(s.planned > 0 ? [`${s.planned} with updates pending`] : []),
    `${s.failed} failed`,
    `${s.skipped} skipped`,
  ].join(', ');
}

async function failureBlock(c: ContainerReport): Promise<string[]> {
  const e = c.error;
  const where = e ? `step ${e.step}${e.runner ? ` (${e.runner})` : ''}, ${e.code}: ${e.message}` : 'failed';
  const out = [`  ${ctLabel(c)}: ${where}`];
  // The failing command's own words (e.g. dpkg's "error processing archive"), before unrot's log.
  const output = e?.output?.slice(-OUTPUT_TAIL_LINES_SHOWN) ?? [];
  if (output.length > 0) {
    out.push(`    last ${plural(output.length, 'line')} of the command's output:`);
    for (const line of output) out.push(`      ${line}`);
  }
  if (c.logFile) {
    const tail = await readLogTail(c.logFile, LOG_TAIL_LINES);
    out.push(`    last ${plural(tail.length, 'log line')} of ${c.logFile}:`);
    for (const line of tail) out.push(`      ${line}`);
  }
  return out;
}

/** Skips and recoveries an operator must act on (exit 6): what, and for an interrupted step's lock, the remedy. */
function attentionLines(report: RunReport): string[] {
  const { containers } = attentionOf(report);
  const recoveries = report.recoveries.filter((r) => r.attention === true || r.action === 'failed');
  if (containers.length === 0 && recoveries.length === 0) return [];
  const out = ['', 'Needs attention:'];
  for (const r of recoveries) {
    out.push(`  CT ${r.vmid}: ${r.detail}${r.error ? ` (${r.error})` : ''}`);
    for (const step of r.remedy ?? []) out.push(`    - ${step}`);
  }
  const named = new Set(recoveries.map((r) => r.vmid));
  for (const c of containers.filter((c) => !named.has(c.vmid))) {
    out.push(`  ${ctLabel(c)}: skipped (${c.skipReason})${c.skipDetail ? `: ${c.skipDetail}` : ''}`);
  }
  return out;
}

function field(r: Record<string, unknown>, key: string): string | undefined {
  const v = r[key];
  return v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
}

function restoreLines(failed: ContainerReport[]): string[] {
  const out = ['Restore:'];
  for (const c of failed) {
    const r = rollbackOf(c);
    const backup = (c as { backup?: Record<string, unknown> }).backup;
    if (r) {
      const to = field(r, 'to');
      const kind = field(r, 'kind');
      const error = field(r, 'error');
      const running = r.running === undefined ? '' : r.running === true ? '; running again' : '; NOT running';
      const why = field(r, 'reason');
      if (error) out.push(`  ${ctLabel(c)}: ROLLBACK FAILED${to ? ` (to ${kind ?? 'backup'} ${to})` : ''}: ${error}. Restore by hand.`);
      else out.push(`  ${ctLabel(c)}: rolled back${to ? ` to ${kind ?? 'backup'} ${to}` : ''}${running}${why ? ` (after: ${why})` : ''}`);
    } else if (backup && field(backup, 'name')) {
      out.push(`  ${ctLabel(c)}: not rolled back; the pre-update ${field(backup, 'kind') ?? 'snapshot'} ${field(backup, 'name')} is kept`);
    } else if (backup && field(backup, 'archive')) {
      out.push(`  ${ctLabel(c)}: not rolled back; the pre-update backup ${field(backup, 'archive')} is kept`);
    } else {
      out.push(`  ${ctLabel(c)}: not rolled back: the container is as the failed step left it`);
    }
  }
  return out;
}

function nextSteps(report: RunReport, failed: ContainerReport[]): string[] {
  const ids = failed.map((c) => c.vmid);
  const ct = ids.map((id) => `--ct ${id}`).join(' ');
  const out = ['Next steps:'];
  if (report.exitCode !== 0 && report.exitCode !== 1) {
    out.push(`  - the run ended with exit code ${report.exitCode} (see docs/exit-codes.md); check it with: unrot validate`);
  }
  if (ids.length > 0) {
    out.push(`  - read each log named above and the report ${join(report.logDir, 'report.json')}`);
    out.push(`  - see what unrot would do now: unrot plan ${ct}`);
    out.push(
      `  - list snapshots: ${ids.map((id) => `pct listsnapshot ${id}`).join('; ')}; restore one by hand: pct rollback <ctid> <snapshot>`,
    );
    out.push(`  - after fixing the cause, run again: unrot run ${ct}`);
  }
  return out;
}

/**
 * The message for a run: compressed when all is well, logs for failures, loud with next steps for a
 * failure. Plain text with control characters escaped; each notifier escapes it for its own markup.
 */
export async function composeNotification(report: RunReport, verdict: SeverityVerdict): Promise<Notification> {
  const failed = report.containers.filter(isFailed);
  const updated = report.containers.filter((c) => c.outcome === 'updated' || c.outcome === 'planned');
  const lines: string[] = [];
  if (verdict.severity === 'failure') {
    lines.push(`!!! unrot FAILURE on ${report.host.node}: ACTION NEEDED !!!`, verdict.reason);
  } else {
    lines.push(`unrot ${report.dryRun ? 'dry-run' : 'run'} on ${report.host.node}: ${verdict.severity} (${verdict.reason})`);
  }
  lines.push(`${countsLine(report)}. Run ${report.runId}, took ${duration(report.durationMs)}.`);
  if (report.error) lines.push(`The run ended in an error: ${report.error.code}: ${report.error.message}`);
  if (report.rollout && report.rollout.status !== 'completed')
    lines.push(`Staged rollout ${report.rollout.status}: ${report.rollout.detail}`);
  if (failed.length > 0) {
    lines.push('', 'Failed:');
    for (const c of failed) lines.push(...(await failureBlock(c)));
  }
  lines.push(...attentionLines(report));
  if (updated.length > 0) {
    lines.push('', report.dryRun ? 'Pending:' : 'Updated:');
    for (const c of updated) lines.push(`  ${ctLabel(c)}: ${changedSummary(c)}`);
  }
  if (verdict.severity === 'failure') lines.push('', ...restoreLines(failed), '', ...nextSteps(report, failed));
  lines.push('', `Report: ${join(report.logDir, 'report.json')}`);
  // Each entry is one line laid out here; control characters and line breaks inside one came from a
  // container or a state file (a version, stderr, a log line) and are shown escaped: messages end up
  // in terminals too (ntfy subscribe, mail clients), and a line break could forge a report line.
  return {
    severity: verdict.severity,
    title: terminalField(composeTitle(report, verdict)),
    text: lines.map(terminalField).join('\n'),
    runId: report.runId,
    report,
  };
}
