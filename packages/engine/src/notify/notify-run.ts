import type { Logger } from '@unrot/sdk';
import type { RunReport } from '../report/run-report.js';
import type { Redactor } from '../secrets/redactor.js';
import { composeNotification } from './compose-message.js';
import { type DeliveryResult, dispatchNotifications, type NotificationSinkRuntime } from './dispatch.js';
import type { NotifySeverity } from './policy-schema.js';
import { computeSeverity } from './severity.js';

export interface NotifyRunOptions {
  report: RunReport;
  sinks: readonly NotificationSinkRuntime[];
  redactor?: Redactor;
  log?: Logger;
  stateFile?: string;
  now?: () => number;
  deadlineMs?: number;
}

export interface NotifyRunResult {
  severity: NotifySeverity;
  reason: string;
  deliveries: DeliveryResult[];
}

/** Severity → message → routing, throttling and delivery. Never throws (see dispatchNotifications). */
export async function notifyRun(options: NotifyRunOptions): Promise<NotifyRunResult> {
  const verdict = computeSeverity(options.report);
  if (options.sinks.length === 0) return { ...verdict, deliveries: [] };
  let notification: Awaited<ReturnType<typeof composeNotification>>;
  try {
    notification = await composeNotification(options.report, verdict);
  } catch (error) {
    // Reading a log tail must not cost the message: send it without logs.
    options.log?.warn({ error: options.redactor?.string(String(error)) ?? String(error) }, 'notification text incomplete');
    notification = {
      severity: verdict.severity,
      title: verdict.reason,
      text: verdict.reason,
      runId: options.report.runId,
      report: options.report,
    };
  }
  const deliveries = await dispatchNotifications({ ...options, notification });
  return { ...verdict, deliveries };
}
