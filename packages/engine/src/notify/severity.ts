import type { ContainerReport } from '../lifecycle/container-result.js';
import { EXIT_CODES } from '../report/exit-codes.js';
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

/**
 * - failure: the run itself failed (exit code other than 0 or 1), or any container was rolled
 *   back, or every container whose pipeline ran failed (at least one ran);
 * - degraded: some, not all, of the containers that ran failed;
 * - success: nothing failed (skips with a stated reason are not failures).
 */
export function computeSeverity(report: RunReport): SeverityVerdict {
  const ran = report.containers.filter((c) => RAN.has(c.outcome as string));
  const failed = ran.filter(isFailed);
  const rolledBack = ran.filter((c) => rollbackOf(c) !== undefined);
  if (report.exitCode !== EXIT_CODES.OK && report.exitCode !== EXIT_CODES.CONTAINER_FAILED) {
    return { severity: 'failure', reason: `the run itself failed (exit code ${report.exitCode})` };
  }
  if (rolledBack.length > 0) {
    return { severity: 'failure', reason: `${rolledBack.length} container${rolledBack.length === 1 ? ' was' : 's were'} rolled back` };
  }
  if (failed.length > 0 && failed.length === ran.length) {
    return { severity: 'failure', reason: `every container that ran failed (${failed.length} of ${ran.length})` };
  }
  if (failed.length > 0) return { severity: 'degraded', reason: `${failed.length} of ${ran.length} containers failed` };
  return { severity: 'success', reason: ran.length === 0 ? 'no container needed a run' : `all ${ran.length} containers fine` };
}
