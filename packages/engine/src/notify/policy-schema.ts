// The schemas live in the engine's policy module with the rest of the policy; re-exported for the notify module.
import type { NotificationSink, NotifySeverity } from '../policy/index.js';
import { SEVERITIES } from '../policy/index.js';

export {
  DEFAULT_MIN_SEVERITY,
  DEFAULT_NOTIFY_TIMEOUT_S,
  type NotificationSink,
  NotificationSinkSchema,
  type NotificationsPolicy,
  NotificationsPolicySchema,
  type NotifySeverity,
  SEVERITIES,
  SeveritySchema,
  type Throttle,
  ThrottleSchema,
} from '../policy/index.js';

export function severityRank(s: NotifySeverity): number {
  return SEVERITIES.indexOf(s);
}

/** The sink's name as used in reports and the throttle state. */
export function sinkName(sink: Pick<NotificationSink, 'notifier' | 'name'>, index: number): string {
  return sink.name ?? `${sink.notifier}-${index + 1}`;
}
