import type { ContainerReport } from '../lifecycle/container-result.js';
import { EXIT_CODES, needsAttention } from '../report/exit-codes.js';
import type { RunReport } from '../report/run-report.js';
import type { NotifySeverity } from './policy-schema.js';

/** Outcomes of containers whose pipeline ran (as opposed to skipped ones). */
const RAN = new Set(['updated', 'nothing-to-do', 'planned', 'failed', 'rolled-back']);

/**
 * Rollback details when the container was rolled back. Reads `rollback` / outcome
 * `rolled-back`, which the snapshot milestone adds to the report; absent today.
 */
export function rollbackOf(c: ContainerReport): Record<string, unknown> | undefined {
  const extra = c as ContainerReport & { rollback?: unknown };
  const r = extra.rollback;
  if (typeof r === 'object' && r !== null) return r as Record<string, unknown>;
  return (c.outcome as string) === 'rolled-back' ? {} : undefined;
}

export function isFailed(c: ContainerReport): boolean {
  return c.outcome === 'failed' || rollbackOf(c) !== undefined;
}

export interface SeverityVerdict {
  severity: NotifySeverity;
  /** One sentence saying why, for the message and the report. */
  reason: string;
}

/** Exit codes of a run that ended with a verdict on its containers (anything else: the run itself failed). */
const VERDICT_CODES: ReadonlySet<number> = new Set([EXIT_CODES.OK, EXIT_CODES.CONTAINER_FAILED, EXIT_CODES.NEEDS_ATTENTION]);

/** Skipped containers that need an operator (docs/exit-codes.md, exit 6), and recoveries that do. */
export function attentionOf(report: RunReport): { containers: ContainerReport[]; recoveries: number } {
  return {
    containers: report.containers.filter((c) => c.outcome === 'skipped' && needsAttention(c.skipReason)),
    recoveries: report.recoveries.filter((r) => r.attention === true || r.action === 'failed').length,
  };
}

/**
 * - failure: a staged rollout halted (its later waves held back); the run itself failed (exit code other than 0, 1 and 6), or any container was rolled
 *   back, or every container whose pipeline ran failed (at least one ran);
 * - degraded: some, not all, of the containers that ran failed; or a container was skipped for a
 *   reason that needs an operator (unreachable source, a lock held, storage full, vanished, a
 *   recovery that failed or found unrot's own lock);
 * - success: nothing failed and nothing needs attention (benign skips are not failures).
 */
export function computeSeverity(report: RunReport): SeverityVerdict {
  const ran = report.containers.filter((c) => RAN.has(c.outcome as string));
  const failed = ran.filter(isFailed);
  const rolledBack = ran.filter((c) => rollbackOf(c) !== undefined);
  // A halted staged rollout is loud whatever else happened: later waves were held back and wait for an operator.
  if (report.rollout?.status === 'halted') return { severity: 'failure', reason: `staged rollout halted: ${report.rollout.detail}` };
  if (!VERDICT_CODES.has(report.exitCode)) {
    return { severity: 'failure', reason: `the run itself failed (exit code ${report.exitCode})` };
  }
  if (rolledBack.length > 0) {
    return { severity: 'failure', reason: `${rolledBack.length} container${rolledBack.length === 1 ? ' was' : 's were'} rolled back` };
  }
  if (failed.length > 0 && failed.length === ran.length) {
    return { severity: 'failure', reason: `every container that ran failed (${failed.length} of ${ran.length})` };
  }
  if (failed.length > 0) return { severity: 'degraded', reason: `${failed.length} of ${ran.length} containers failed` };
  const attention = attentionOf(report);
  if (attention.containers.length > 0 || attention.recoveries > 0) {
    const named = attention.containers.slice(0, 5).map((c) => `CT ${c.vmid} ${c.skipReason}`);
    const skips = attention.containers.length > 5 ? [...named, `${attention.containers.length - 5} more`] : named;
    const recoveries =
      attention.recoveries > 0 ? [`${attention.recoveries} interrupted update${attention.recoveries === 1 ? '' : 's'} left`] : [];
    return { severity: 'degraded', reason: `needs attention: ${[...skips, ...recoveries].join(', ')}` };
  }
  return { severity: 'success', reason: ran.length === 0 ? 'no container needed a run' : `all ${ran.length} containers fine` };
}
