export { composeNotification, composeTitle, countsPhrase, LOG_TAIL_LINES } from './compose-message.js';
export { discoverNotifiers } from './discover-notifiers.js';
export {
  type DeliveryResult,
  DeliveryResultSchema,
  type DispatchOptions,
  dispatchNotifications,
  type NotificationSinkRuntime,
} from './dispatch.js';
export { readLogTail, renderLogLine } from './log-tail.js';
export { type NotifyRunOptions, type NotifyRunResult, notifyRun } from './notify-run.js';
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
  severityRank,
  sinkName,
  type Throttle,
  ThrottleSchema,
} from './policy-schema.js';
export { type NotificationSetup, prepareNotifications } from './prepare-notifications.js';
export { prepareSinks } from './prepare-sinks.js';
export { computeSeverity, isFailed, rollbackOf, type SeverityVerdict } from './severity.js';
export { foldDigest, type HeldMessage, MAX_HELD, ThrottleState, type ThrottleStateData } from './throttle.js';
