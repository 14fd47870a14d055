import { join } from 'node:path';
import type { Logger } from '@unrot/sdk';
import type { Redactor } from '../secrets/redactor.js';
import { type Actor, buildChangeReport, currentActor } from './change-report.js';
import { updateLatestPointer } from './latest.js';
import { renderRunMetrics } from './prometheus.js';
import type { RunReport } from './run-report.js';
import { writeFileAtomic } from './write-atomic.js';

export interface FinishRunOptions {
  /** The report as written (already scrubbed). */
  report: RunReport;
  stateDir: string;
  /** global.yml `prometheus_textfile`; nothing is written without it. */
  prometheusTextfile?: string | undefined;
  redactor: Redactor;
  log: Logger;
  actor?: Actor;
}

/**
 * The audit artifacts of a real run, after report.json is written: `changes.json` beside it,
 * the `runs/latest` pointer and the Prometheus textfile. A failure to write one is logged and
 * does not change the run's outcome: the containers are as the report says.
 */
export async function finishRunArtifacts(options: FinishRunOptions): Promise<void> {
  const { report, redactor, log } = options;
  const attempt = async (what: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      log.error({ error: redactor.string(String(error)) }, `${what} not written`);
    }
  };
  await attempt('changes.json', async () => {
    const changes = redactor.value(buildChangeReport(report, options.actor ?? currentActor()));
    await writeFileAtomic(join(report.logDir, 'changes.json'), `${JSON.stringify(changes, null, 2)}\n`);
  });
  await attempt('runs/latest', () => updateLatestPointer(options.stateDir, report.runId));
  const textfile = options.prometheusTextfile;
  if (textfile) {
    // node_exporter usually runs as another user: the file is world-readable (it holds no secret).
    await attempt(`prometheus textfile ${textfile}`, () => writeFileAtomic(textfile, redactor.string(renderRunMetrics(report)), 0o644));
  }
}
