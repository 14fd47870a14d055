export {
  type BaselineEntry,
  BaselineEntrySchema,
  BaselineStore,
  classifyHistory,
  type HistoryClass,
  type SuccessRate,
  successRate,
} from './baseline-store.js';
export { type Clock, realClock } from './clock.js';
export { discoverProbes, loadProbeModule, type ProbeEntry } from './discover-probes.js';
export { type GateDecision, gate, type HealthVerdict } from './gate.js';
export {
  ContainerHealth,
  containerAddress,
  type HealthCheckReport,
  type LoadProbe,
  type PhaseReport,
  restartArgv,
  restartUnits,
  type TaskHealthCheck,
  type TaskRestart,
} from './pipeline-health.js';
export * from './policy-schema.js';
export { type ProbeOptionProblem, prepareProbeOptions, probeOptionProblems } from './probe-options.js';
export {
  backoffDelay,
  type HealthAttempt,
  type HealthOutcome,
  type RunScheduleArgs,
  runSchedule,
  type ScheduleResult,
} from './schedule.js';
export { validateHealthPolicy } from './validate-health-policy.js';
