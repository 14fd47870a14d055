export * from './config/index.js';
export { EngineEvents } from './engine-events.js';
export * from './health/index.js';
export type { ContainerConfig, Host, HostExecOptions, HostExecResult } from './host/host.js';
export * from './host/index.js';
// Testing aid: an in-memory Host (no pct, no root) for engine and plugin tests.
export * from './host/memory-host.js';
export * from './lifecycle/container-pipeline.js';
export * from './lifecycle/container-result.js';
export { createEngineExec } from './lifecycle/engine-exec.js';
export { renderLifecycleTable } from './lifecycle/render-lifecycle-table.js';
export { LIFECYCLE, type StepSpec, stepSpec } from './lifecycle/step-table.js';
export * from './notify/index.js';
export { discoverRunners, type RunnerEntry } from './plugins/discover-plugins.js';
export {
  type Actor,
  buildChangeReport,
  CHANGES_SCHEMA_ID,
  type ChangeReport,
  ChangeReportSchema,
  currentActor,
} from './report/change-report.js';
export {
  ATTENTION_REASONS,
  asHostError,
  CUT_SHORT_REASONS,
  EXIT_CODES,
  type ExitCode,
  exitCodeFor,
  isCutShort,
  needsAttention,
  type SkipClass,
  skipClassOf,
} from './report/exit-codes.js';
export { finishRunArtifacts } from './report/finish-run.js';
export { LATEST, latestRunId, readRunReport, updateLatestPointer } from './report/latest.js';
export { escapeLabelValue, renderRunMetrics } from './report/prometheus.js';
export { checkExpositionFormat, type FormatOptions, type FormatProblem } from './report/prometheus-format.js';
export { newRunId } from './report/run-id.js';
export { REPORT_SCHEMA_ID, type RunReport, RunReportSchema } from './report/run-report.js';
export { terminalBlock, terminalField, terminalJson } from './report/terminal-text.js';
export { writeFileAtomic } from './report/write-atomic.js';
export * from './run-unrot.js';
export * from './safety/index.js';
export * from './schedule/index.js';
export * from './secrets/index.js';
export * from './targets/resolve-targets.js';
