import { join } from 'node:path';
import { toUnrotError } from '@unrot/sdk';
import { notifyRun } from '../notify/index.js';
import { exitCodeFor } from '../report/exit-codes.js';
import { finishRunArtifacts } from '../report/finish-run.js';
import type { RunReport } from '../report/run-report.js';
import { writeFileAtomic } from '../report/write-atomic.js';
import type { RunContext } from './run-context.js';
import { NOTIFY_DEADLINE_MS } from './run-options.js';
import { buildRunReport } from './run-report-builder.js';

/**
 * Phase 6: writes report.json and, for a real run, the audit artifacts, then notifies and records
 * the deliveries in the report. Container reports quote command output and errors: the report is
 * scrubbed as a whole. Returns the report as written.
 */
export async function publish(ctx: RunContext, raw: RunReport): Promise<{ report: RunReport; reportPath: string }> {
  const { options, prepared, redactor, log } = ctx;
  let report = redactor.value(raw);
  const reportPath = join(ctx.runDir, 'report.json');
  await writeFileAtomic(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  if (!options.dryRun) {
    await finishRunArtifacts({
      report,
      stateDir: ctx.stateDir,
      prometheusTextfile: prepared.config.global.prometheus_textfile,
      redactor,
      log,
    });
    // Dry-runs do not notify: a plan is read at the terminal. A real run tells its sinks,
    // never failing and never waiting past the deadline, and records how each delivery went.
    const sinks = prepared.notifications?.sinks ?? [];
    if (sinks.length > 0) {
      const sent = await notifyRun({
        report,
        sinks,
        redactor,
        log,
        stateFile: join(ctx.stateDir, 'notify-state.json'),
        deadlineMs: options.notifyDeadlineMs ?? NOTIFY_DEADLINE_MS,
      });
      report = { ...report, notifications: redactor.value(sent.deliveries) };
      await writeFileAtomic(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    }
  }
  log.info({ exitCode: report.exitCode, summary: report.summary, reportPath, notifications: report.notifications }, 'run end');
  log.flush();
  return { report, reportPath };
}

/** The report of a run that ended in an error (host tools failing, a bug): no containers, its exit code and error. */
export async function publishFailure(ctx: RunContext, error: unknown): Promise<void> {
  try {
    const e = toUnrotError(error);
    await publish(
      ctx,
      buildRunReport(ctx, {
        finished: ctx.now(),
        exitCode: exitCodeFor({ error }),
        containers: [],
        recoveries: [],
        error: { code: e.code, message: e.message },
      }),
    );
  } catch (inner) {
    ctx.log.error({ error: ctx.redactor.string(String(inner)) }, 'the report of the failed run could not be written');
  }
}
