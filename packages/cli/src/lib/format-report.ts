import type { ContainerReport, RunReport, TargetDecision } from '@unrot/engine';
import { formatArgv } from './shell-quote.js';

function header(c: ContainerReport): string {
  const tags = c.tags.length > 0 ? ` [${c.tags.join(', ')}]` : '';
  const priv = c.unprivileged ? 'unprivileged' : 'privileged';
  return `CT ${c.vmid} ${c.name}${tags} (${priv})`;
}

function formatContainer(c: ContainerReport, dryRun: boolean): string[] {
  const lines = [header(c)];
  if (c.outcome === 'skipped') {
    lines.push(`  skipped: ${c.skipReason ?? 'unknown'}${c.skipDetail ? ` (${c.skipDetail})` : ''}`);
    return lines;
  }
  if (c.backup) {
    const what = c.backup.name ?? c.backup.archive ?? c.backup.kind;
    lines.push(
      c.backup.planned
        ? `  backup first: ${c.backup.hostArgv ? formatArgv(c.backup.hostArgv) : c.backup.kind}`
        : `  backup: ${c.backup.kind} ${what}`,
    );
  }
  for (const r of c.runners) {
    if (!r.applicable) {
      lines.push(`  ${r.id}: not applicable${r.reason ? ` (${r.reason})` : ''}`);
      continue;
    }
    const list = !dryRun && c.outcome === 'updated' ? r.changed : r.updates;
    const verb = dryRun
      ? 'pending'
      : c.outcome === 'updated'
        ? 'updated'
        : c.outcome === 'rolled-back'
          ? 'undone by the rollback'
          : 'pending';
    lines.push(`  ${r.id}: ${list.length === 0 ? 'nothing to do' : `${list.length} ${verb}`}`);
    for (const u of list) lines.push(`    ${u.name} ${u.from ?? '(new)'} → ${u.to}${u.scope ? `  [${u.scope}]` : ''}`);
    for (const w of r.withheld) lines.push(`    withheld ${w.name}: ${w.reason}`);
    for (const p of r.plan) lines.push(`    ${dryRun ? 'would run' : 'ran'}: ${formatArgv(p.hostArgv)}`);
  }
  if (c.error)
    lines.push(`  FAILED at ${c.error.step}${c.error.runner ? ` (${c.error.runner})` : ''}: ${c.error.code}: ${c.error.message}`);
  else if (c.outcome === 'nothing-to-do') lines.push('  nothing to do');
  if (c.restart) {
    if (c.restart.skipped) lines.push(`  restart: skipped (${c.restart.skipped})`);
    for (const u of c.restart.units) {
      lines.push(c.restart.planned ? `  then restart: ${formatArgv(u.hostArgv)}` : `  restarted ${u.unit}: ${u.state ?? 'not run'}`);
    }
  }
  for (const h of c.health ?? []) {
    const before = h.baseline ? `before ${h.baseline.outcome}` : h.baselineError ? 'no baseline' : '';
    const after = h.after ? `after ${h.after.outcome}` : '';
    const verdict = h.verdict ? ` → ${h.verdict}${h.rollback ? ' (rolled back)' : ''}` : '';
    lines.push(
      `  health ${h.name} (${h.probe}): ${[before, after].filter(Boolean).join(', ') || 'not run'}${verdict}${h.reason ? ` — ${h.reason}` : ''}`,
    );
  }
  if (c.rollback) {
    lines.push(
      c.rollback.error
        ? `  ROLLBACK to ${c.rollback.to} FAILED: ${c.rollback.error}`
        : `  ROLLED BACK to ${c.rollback.kind} ${c.rollback.to} (${c.rollback.running ? 'running again' : 'not running'})`,
    );
  }
  if (c.pruned?.length) lines.push(`  pruned old backups: ${c.pruned.join(', ')}`);
  return lines;
}

/** The human form of a run report: what `unrot plan` and `unrot run` print. */
export function formatReport(report: RunReport): string {
  const s = report.summary;
  const mode = report.dryRun ? 'plan (dry-run: nothing was changed)' : 'run';
  const out = [`unrot ${mode} ${report.runId} on node ${report.host.node}`, ''];
  for (const c of report.containers) out.push(...formatContainer(c, report.dryRun), '');
  const parts = report.dryRun
    ? [`${s.planned} with updates`, `${s.nothingToDo} up to date`, `${s.skipped} skipped`, `${s.failed} failed`]
    : [`${s.updated} updated`, `${s.rolledBack} rolled back`, `${s.nothingToDo} up to date`, `${s.skipped} skipped`, `${s.failed} failed`];
  for (const r of report.recoveries) {
    out.splice(
      2,
      0,
      `recovered CT ${r.vmid} from interrupted run ${r.runId} (${r.step}): ${r.action}${r.to ? ` to ${r.to}` : ''}${r.error ? ` — ${r.error}` : ''}`,
      '',
    );
  }
  if (report.error) out.push(`run failed: ${report.error.code}: ${report.error.message}`);
  out.push(`${s.containers} containers: ${parts.join(', ')}`);
  for (const n of report.notifications ?? []) {
    out.push(
      `notification ${n.sink} (${n.notifier}): ${n.status}${n.folded ? ` with ${n.folded} earlier` : ''}${n.error ? ` — ${n.error.code}: ${n.error.message}` : ''}`,
    );
  }
  out.push(`report: ${report.logDir}/report.json`);
  return out.join('\n');
}

export function formatTargets(decisions: readonly TargetDecision[]): string {
  const rows = decisions.map((d) =>
    `${String(d.vmid).padEnd(10)} ${(d.selected ? 'selected' : 'skipped').padEnd(9)} ${d.name.padEnd(20)} ${d.selected ? '' : `${d.reason}${d.detail ? ` (${d.detail})` : ''}`}`.trimEnd(),
  );
  return [`${'VMID'.padEnd(10)} ${'DECISION'.padEnd(9)} ${'NAME'.padEnd(20)} REASON`, ...rows].join('\n');
}
