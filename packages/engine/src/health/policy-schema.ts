// The health policy schemas live in the engine's policy module (../policy/health-schema.ts) with the other policy keys.
export {
  HealthBackoffSchema,
  type HealthCheck,
  HealthCheckPolicySchema,
  HealthCheckSchema,
  HealthChecksPolicySchema,
  HealthChecksSchema,
  type HealthGatePolicy,
  HealthGateSchema,
  type HealthHistoryPolicy,
  HealthHistorySchema,
  type HealthSchedule,
  HealthScheduleSchema,
  healthCheckName,
  resolveHealthCheck,
  scheduleProblems,
} from '../policy/index.js';
