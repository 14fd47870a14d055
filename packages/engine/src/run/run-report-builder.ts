import { hostname as osHostname } from 'node:os';
import type { ContainerInfo } from '@unrot/sdk';
import { groupMembers } from '../config/group-files.js';
import type { ContainerReport } from '../lifecycle/container-result.js';
import { containerHeader } from '../report/container-header.js';
import { isCutShort, needsAttention, skipClassOf } from '../report/exit-codes.js';
import { REPORT_SCHEMA_ID, type RunReport } from '../report/run-report.js';
import type { RolloutReport } from '../rollout/rollout-report.js';
import type { RecoveryReport } from '../safety/recover-interrupted.js';
import type { RunContext } from './run-context.js';

// The one place a run report and a skipped container's report are put together, for a finished
// run and for a run that ended in an error alike.

/** A container the run did not start: no runners, no time, the reason it was left alone. */
export function skippedContainer(ct: ContainerInfo, skip: { reason?: string; detail?: string }): ContainerReport {
  return {
    ...containerHeader(ct),
    outcome: 'skipped',
    ...(skip.reason ? { skipReason: skip.reason } : {}),
    ...(skip.detail ? { skipDetail: skip.detail } : {}),
    runners: [],
    changingCommands: 0,
    durationMs: 0,
  };
}

/** A skipped container's class (benign, cut-short, attention): what monitoring keys on. */
function withSkipClass(c: ContainerReport): ContainerReport {
  return c.outcome === 'skipped' ? { ...c, skipClass: skipClassOf(c.skipReason) } : c;
}

/** Phase 5: the counts of the report's summary. */
export function summarise(containers: readonly ContainerReport[]): RunReport['summary'] {
  const count = (o: ContainerReport['outcome']) => containers.filter((c) => c.outcome === o).length;
  return {
    containers: containers.length,
    updated: count('updated'),
    rolledBack: count('rolled-back'),
    cutShort: containers.filter((c) => isCutShort(c.skipReason)).length,
    needsAttention: containers.filter((c) => c.outcome === 'skipped' && needsAttention(c.skipReason)).length,
    nothingToDo: count('nothing-to-do'),
    planned: count('planned'),
    skipped: count('skipped'),
    failed: count('failed'),
    packagesChanged: containers.reduce((n, c) => n + c.runners.reduce((m, r) => m + r.changed.length, 0), 0),
  };
}

export interface RunReportBody {
  finished: Date;
  exitCode: number;
  containers: ContainerReport[];
  recoveries: RecoveryReport[];
  /** Set when the run ended in an error instead of a verdict. */
  error?: { code: string; message: string };
  /** The staged rollout, when global.yml has `rollout:`. */
  rollout?: RolloutReport;
}

/** The run report (before redaction and notifications): the run's header, then what happened. */
export function buildRunReport(ctx: RunContext, body: RunReportBody): RunReport {
  const { options, selection, started } = ctx;
  const groups = groupMembers(ctx.prepared.config);
  return {
    schema: REPORT_SCHEMA_ID,
    runId: ctx.runId,
    dryRun: options.dryRun,
    startedAt: started.toISOString(),
    finishedAt: body.finished.toISOString(),
    durationMs: Math.max(0, body.finished.getTime() - started.getTime()),
    unrotVersion: options.unrotVersion ?? '0.0.0',
    host: { node: ctx.node, hostname: osHostname() },
    configDir: options.configDir,
    selection: { cts: [...(selection.cts ?? [])], tags: [...(selection.tags ?? [])] },
    exitCode: body.exitCode,
    summary: summarise(body.containers),
    containers: body.containers.map(withSkipClass),
    recoveries: body.recoveries,
    logDir: ctx.runDir,
    notifications: [],
    ...(body.rollout ? { rollout: body.rollout } : {}),
    ...(groups.length > 0 ? { groups } : {}),
    ...(body.error ? { error: body.error } : {}),
  };
}
