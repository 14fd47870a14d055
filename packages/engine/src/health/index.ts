export {
  type BaselineEntry,
  BaselineEntrySchema,
  BaselineStore,
  classifyHistory,
  type HistoryClass,
  type HistoryJudgement,
  judgeHistory,
  type SuccessRate,
  successRate,
} from './baseline-store.js';
export { type Clock, realClock } from './clock.js';
export { type ComposeContainer, parseComposePs, type ServiceState, serviceStates } from './compose-ps.js';
export { discoverProbes, loadProbeModule, type ProbeEntry } from './discover-probes.js';
export { type GateDecision, type GatePolicy, gate, type HealthVerdict } from './gate.js';
export {
  ContainerHealth,
  containerAddress,
  type HealthCheckReport,
  type LoadProbe,
  type PhaseReport,
  type TaskHealthCheck,
} from './pipeline-health.js';
export * from './policy-schema.js';
export { type ProbeOptionProblem, prepareProbeOptions, probeOptionProblems } from './probe-options.js';
export { composeBaseArgv, composeCommands, composePsArgv, composeServicesArgv, restartCompose } from './restart-compose.js';
export { RESTART_DEFAULTS, resolveRestart, type TaskRestart, type TaskRestartCompose, type TaskRestartProcess } from './restart-policy.js';
export { describeMatch, findArgv, restartProcess, stopArgv } from './restart-processes.js';
export { planRestart, type RestartReport, restartChangingCommands, restartTargets } from './restart-targets.js';
export { restartArgv, restartUnit } from './restart-units.js';
export {
  backoffDelay,
  type HealthAttempt,
  type HealthOutcome,
  type RunScheduleArgs,
  runSchedule,
  type ScheduleResult,
} from './schedule.js';
export { validateHealthPolicy } from './validate-health-policy.js';
