// The schemas live in the engine's policy module with the rest of the policy; re-exported for the schedule module.
export {
  type ContainerRisk,
  ContainerRiskSchema,
  DURATION_PATTERN,
  type MaintenancePolicy,
  MaintenancePolicySchema,
  WeekdaySchema,
  WindowPolicySchema,
} from '../policy/index.js';
