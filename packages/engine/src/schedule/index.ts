export { type Admission, type AdmissionReason, mayStartContainer } from './admission.js';
export { CRON_FILE_NAME, cronTimeFields, renderCronFile } from './cron-file.js';
export { cronFileProblems, cronLineProblems, isValidCronFileName } from './cron-validate.js';
export { DAY_MS, formatDuration, HOUR_MS, MINUTE_MS, parseDuration } from './duration.js';
export { assertSafeArgv, runArgv } from './exec-command.js';
export * from './install-schedule.js';
export { type LoadedSchedule, loadSchedule } from './load-schedule.js';
export * from './policy-schema.js';
export { maintenanceProblems, resolveSchedule } from './resolve-schedule.js';
export {
  type AdmissionGate,
  admissionGate,
  type MaintenanceSchedule,
  mayStartNow,
  type Pass,
  passAt,
  SCHEDULE_DEFAULTS,
} from './schedule.js';
export { formatSummary, type ScheduleSummary, summarizeSchedule } from './summary.js';
export { onCalendar, renderService, renderTimer, SERVICE_NAME, TIMER_NAME } from './systemd-units.js';
export * from './windows.js';
export { formatLocal, hostTimeZone, isValidTimeZone, localParts, offsetAt, resolveLocal } from './zoned-time.js';
