import type { ContainerReport } from '../lifecycle/container-result.js';
import { type RecoveryReport, recoverInterrupted } from '../safety/recover-interrupted.js';
import { interruptPolicy, type RunContext } from './run-context.js';

/** Stopped at its deadline, or its thread died mid-pipeline: the journal may hold an unfinished update. */
export function wasTerminated(report: ContainerReport): boolean {
  return report.error?.step === 'pipeline' && (report.error.code === 'E_STEP_TIMEOUT' || report.error.code === 'E_WORKER_CRASHED');
}

/** Finishes a terminated container now by the journal's rules (rollback by default); returns its report with the outcome. */
export async function finishTerminated(ctx: RunContext, report: ContainerReport): Promise<ContainerReport> {
  const [recovery] = await recoverInterrupted(ctx.stateDir, ctx.host, interruptPolicy(ctx.prepared), ctx.log, report.vmid, {
    runId: ctx.runId,
  });
  if (!recovery) return report;
  ctx.log.warn({ recovery }, 'finished a terminated container');
  return withRecovery(report, recovery);
}

/** The report of a terminated container, as its recovery left it. */
export function withRecovery(report: ContainerReport, recovery: RecoveryReport): ContainerReport {
  const reason = `${report.error?.code}: ${report.error?.message}`;
  if (recovery.action === 'rolled-back' && recovery.to) {
    return {
      ...report,
      outcome: 'rolled-back',
      rollback: { reason, kind: recovery.to.startsWith('/') ? 'vzdump' : 'snapshot', to: recovery.to, running: true, durationMs: 0 },
    };
  }
  if (recovery.action === 'failed') {
    return {
      ...report,
      rollback: { reason, kind: 'snapshot', to: '', running: false, durationMs: 0, error: recovery.error ?? recovery.detail },
    };
  }
  return report;
}
