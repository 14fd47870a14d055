// The health policy schemas live in the SDK (packages/sdk/src/policy-health.ts) with the other policy keys.
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
} from '@unrot/sdk';
