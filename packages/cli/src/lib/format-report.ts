import { basename } from 'node:path';
import type { ContainerReport, RunReport, TargetDecision } from '@unrot/engine';
import { terminalField } from '@unrot/engine/terminal-text';
import { formatArgv } from './shell-quote.js';

/**
 * Every line is laid out here, one array entry per line, so a line break inside one (a package
 * version, a stderr line, a container name) can only have come from the data: it is escaped with
 * every other control character, and cannot forge a line of the report.
 */
function joinLines(lines: readonly string[]): string {
  return lines.map(terminalField).join('\n');
}

function header(c: ContainerReport): string {
  const tags = c.tags.length > 0 ? ` [${c.tags.join(', ')}]` : '';
  const priv = c.unprivileged ? 'unprivileged' : 'privileged';
  // A cluster run names each container's node.
  return `CT ${c.vmid} ${c.name}${tags} (${priv}${c.node !== undefined ? `, node ${c.node}` : ''})`;
}

/** 0.4 s, 12 s, 3 min 5 s: a wait as an admin reads it. */
export function formatSeconds(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function formatContainer(c: ContainerReport, dryRun: boolean): string[] {
  const lines = [header(c)];
  if (c.outcome === 'skipped') {
    const attention = c.skipClass === 'attention' ? ' — NEEDS ATTENTION' : '';
    lines.push(`  skipped: ${c.skipReason ?? 'unknown'}${c.skipDetail ? ` (${c.skipDetail})` : ''}${attention}`);
    for (const src of c.preflight?.sources ?? []) {
      if (src.result !== 'ok') lines.push(`  source ${src.host}:${src.port} (${src.runner}): ${src.result} — ${src.detail}`);
    }
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
  const hook = (label: string, h: NonNullable<ContainerReport['hooks']>['preUpdate'][number]) =>
    h.planned || h.exitCode === undefined
      ? `  ${label}${h.planned ? '' : ' (not run)'}: ${formatArgv(h.hostArgv)}`
      : `  ${label} ran${h.where === 'host' ? ' on the host' : ''}: ${formatArgv(h.hostArgv)} → exit ${h.exitCode}${h.vetoed ? ' (veto)' : ''}${h.warning ? ` (warning: ${h.warning})` : ''}`;
  for (const h of c.hooks?.preUpdate ?? []) lines.push(hook('pre_update', h));
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
  if (c.guardedPaths) lines.push(...formatGuardedPaths(c.guardedPaths));
  for (const h of c.hooks?.postUpdate ?? []) lines.push(hook('post_update', h));
  for (const h of c.hooks?.onRollback ?? []) lines.push(hook('on_rollback', h));
  for (const h of c.hooks?.onFailure ?? []) lines.push(hook('on_failure', h));
  // Under a tenth of a second is no wait worth a line ("waited 0 s" said nothing).
  if (c.preflight?.waitedMs && c.preflight.waitedMs >= 100)
    lines.push(`  waited ${formatSeconds(c.preflight.waitedMs)} for host load / backup storage before starting`);
  // Fleet caps (global concurrency:): a turn waited for, never a failure.
  for (const w of c.capWaits ?? []) {
    if (w.waitedMs >= 100)
      lines.push(`  waited ${formatSeconds(w.waitedMs)} for its turn (concurrency cap ${w.caps.join(', ')}) before ${w.step}`);
  }
  for (const src of c.preflight?.sources ?? []) {
    if (src.result !== 'ok') lines.push(`  source ${src.host}:${src.port} (${src.runner}): ${src.result} — ${src.detail}`);
  }
  if (c.error) {
    lines.push(`  FAILED at ${c.error.step}${c.error.runner ? ` (${c.error.runner})` : ''}: ${c.error.code}: ${c.error.message}`);
    // The failing command's own last lines (report error.output), one entry each: escaped like any line.
    if (c.error.output?.length) lines.push('  its output ended with:', ...c.error.output.map((l) => `    | ${l}`));
  } else if (c.outcome === 'nothing-to-do') lines.push('  nothing to do');
  if (c.restart) lines.push(...formatRestart(c.restart));
  for (const h of c.health ?? []) {
    const before = h.baseline ? `before ${h.baseline.outcome}` : h.baselineError ? 'no baseline' : '';
    const after = h.after ? `after ${h.after.outcome}` : '';
    const verdict = h.verdict ? ` → ${h.verdict}${h.rollback ? ' (rolled back)' : ''}` : '';
    const history = h.history
      ? ` [recent baselines ${h.history.class}: ${h.history.samples}, ${Math.round(h.history.attemptRate * 100)}% of attempts passed]`
      : '';
    lines.push(
      `  health ${h.name} (${h.probe}): ${[before, after].filter(Boolean).join(', ') || 'not run'}${verdict}${h.reason ? ` — ${h.reason}` : ''}${history}`,
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

/** Policy `exclusions.paths`: in a plan the paths guarded; after a run each one's state before and after apply. */
function formatGuardedPaths(g: NonNullable<ContainerReport['guardedPaths']>): string[] {
  if (g.planned) return [`  guarded (exclusions.paths, hashed before and after apply): ${g.paths.map((p) => p.path).join(', ')}`];
  return g.paths.map((p) => {
    if (p.after === undefined) return `  guarded ${p.path}: ${p.before ?? 'not read'} (not read after apply)`;
    return p.after === p.before ? `  guarded ${p.path}: unchanged` : `  guarded ${p.path}: CHANGED ${p.before ?? '?'} → ${p.after}`;
  });
}

/** Policy `restart`: in a plan every command it would run (host argv), after a run what came back. */
function formatRestart(r: NonNullable<ContainerReport['restart']>): string[] {
  const lines: string[] = [];
  if (r.skipped) lines.push(`  restart: skipped (${r.skipped})`);
  for (const u of r.units) {
    lines.push(r.planned ? `  then restart: ${formatArgv(u.hostArgv)}` : `  restarted ${u.unit}: ${u.state ?? 'not run'}`);
  }
  for (const unit of r.excluded ?? []) lines.push(`  ${unit}: not restarted: excluded (exclusions.services)`);
  for (const p of r.processes ?? []) {
    if (r.planned) {
      lines.push(
        `  then restart process ${p.name} (${p.match}):`,
        `    find: ${formatArgv(p.find.hostArgv)}`,
        `    stop: ${formatArgv(p.stop.hostArgv)}`,
      );
      lines.push(p.start ? `    start: ${formatArgv(p.start.hostArgv)}` : '    start: left to its supervisor; wait for a new PID');
      continue;
    }
    const pids = p.oldPids
      ? ` (PID ${p.oldPids.join(',') || 'none'} → ${p.newPids?.join(',') || 'none'}${p.escalated ? ', needed KILL' : ''})`
      : '';
    lines.push(`  restarted process ${p.name}: ${p.state ?? 'not run'}${pids}${p.state === 'failed' && p.detail ? ` — ${p.detail}` : ''}`);
  }
  for (const c of r.compose ?? []) {
    if (r.planned) {
      lines.push(`  then ${c.action} compose project ${c.projectDir}:`);
      for (const cmd of c.commands) lines.push(`    ${formatArgv(cmd.hostArgv)}`);
      lines.push(`    wait: ${formatArgv(c.wait.hostArgv)}`);
      continue;
    }
    const states = c.containers?.map((k) => `${k.service} ${k.state}${k.health ? ` ${k.health}` : ''}`).join(', ');
    lines.push(
      `  ${c.action === 'recreate' ? 'recreated' : 'restarted'} compose project ${c.projectDir}: ${c.state ?? 'not run'}${states ? ` (${states})` : ''}${c.state === 'failed' && c.detail ? ` — ${c.detail}` : ''}`,
    );
  }
  return lines;
}

/** A staged rollout: each wave in order with who is in it, then where the rollout stands. */
function formatRollout(r: NonNullable<RunReport['rollout']>): string[] {
  const lines = [`staged rollout: ${r.status} — ${r.detail}`];
  r.waves.forEach((w, i) => {
    const who = w.vmids.length > 0 ? w.vmids.map((v) => `CT ${v}`).join(', ') : 'no container';
    const counts = w.ran !== undefined ? ` (${w.ran} ran, ${w.failed ?? 0} failed, ${w.rolledBack ?? 0} rolled back)` : '';
    lines.push(`  wave ${i + 1} ${w.name}${i === 0 ? ' (canary)' : ''}: ${who} — ${w.status}${counts}${w.detail ? `: ${w.detail}` : ''}`);
  });
  if (r.unassigned.length > 0) lines.push(`  in no wave (not updated): ${r.unassigned.map((v) => `CT ${v}`).join(', ')}`);
  for (const [runner, packages] of Object.entries(r.pins)) {
    const pinned = Object.entries(packages).map(([name, versions]) => `${name} ${versions.join('/')}`);
    const more = pinned.length > 10 ? `, and ${pinned.length - 10} more (see report.json)` : '';
    lines.push(`  pinned to the canary (${runner}): ${pinned.slice(0, 10).join(', ')}${more}`);
  }
  return lines;
}

/** The human form of a run report: what `unrot plan` and `unrot run` print. */
export function formatReport(report: RunReport): string {
  const s = report.summary;
  const mode = report.dryRun ? 'plan (dry-run: nothing was changed)' : 'run';
  const out = [`unrot ${mode} ${report.runId} on node ${report.host.node}`, ''];
  if (report.rollout) out.push(...formatRollout(report.rollout), '');
  if (report.groups?.length) out.push(...formatGroups(report.groups), '');
  for (const c of report.containers) out.push(...formatContainer(c, report.dryRun), '');
  const parts = report.dryRun
    ? [`${s.planned} with updates`, `${s.nothingToDo} up to date`, `${s.skipped} skipped`, `${s.failed} failed`]
    : [`${s.updated} updated`, `${s.rolledBack} rolled back`, `${s.nothingToDo} up to date`, `${s.skipped} skipped`, `${s.failed} failed`];
  for (const r of report.recoveries) {
    out.splice(
      2,
      0,
      `recovered CT ${r.vmid} from interrupted run ${r.runId} (${r.step}): ${r.action}${r.to ? ` to ${r.to}` : ''}${r.error ? ` — ${r.error}` : ''}`,
      ...(r.attention ? [`  NEEDS ATTENTION: ${r.detail}`, ...(r.remedy ?? []).map((step) => `    - ${step}`)] : []),
      '',
    );
  }
  if (report.error) out.push(`run failed: ${report.error.code}: ${report.error.message}`);
  if (s.needsAttention) parts.push(`${s.needsAttention} need${s.needsAttention === 1 ? 's' : ''} attention`);
  out.push(`${s.containers} containers: ${parts.join(', ')}`);
  for (const n of report.notifications ?? []) {
    out.push(
      `notification ${n.sink} (${n.notifier}): ${n.status}${n.folded ? ` with ${n.folded} earlier` : ''}${n.error ? ` — ${n.error.code}: ${n.error.message}` : ''}`,
    );
  }
  out.push(`report: ${report.logDir}/report.json`);
  return joinLines(out);
}

/** Which group files (containers/<name>.yml) applied to which containers; one matching nothing is a warning. */
export function formatGroups(groups: NonNullable<RunReport['groups']>): string[] {
  return [
    'group files:',
    ...groups.map((g) =>
      g.vmids.length > 0 ? `  ${g.file}: CT ${g.vmids.join(', ')}` : `  ${g.file}: matches no container (warning: check its selectors)`,
    ),
  ];
}

export function formatTargets(decisions: readonly TargetDecision[]): string {
  const rows = decisions.map((d) => {
    const groups = d.groupFiles?.length ? ` [group files: ${d.groupFiles.map((f) => basename(f)).join(', ')}]` : '';
    return `${String(d.vmid).padEnd(10)} ${(d.selected ? 'selected' : 'skipped').padEnd(9)} ${terminalField(d.name).padEnd(20)} ${d.selected ? '' : `${d.reason}${d.detail ? ` (${d.detail})` : ''}`}${groups}`.trimEnd();
  });
  return joinLines([`${'VMID'.padEnd(10)} ${'DECISION'.padEnd(9)} ${'NAME'.padEnd(20)} REASON`, ...rows]);
}
