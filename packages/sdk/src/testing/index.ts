export {
  assertIdentity,
  assertInvalidOptionsRefused,
  assertOptionalMethods,
  assertScenarioCoverage,
  contractContainer,
  type InvalidOptionsCase,
  type RunnerContractOptions,
  type RunnerScenario,
  runRunnerContract,
} from './contract-kit.js';
export {
  assertAbortedCheck,
  assertApply,
  assertDetectAndCheck,
  assertDryRun,
  assertExactVersions,
  assertPlan,
  inPhase,
  scenarioContext,
} from './lifecycle-checks.js';
export { createLocalExec, type LocalExec, type LocalExecOptions } from './local-exec.js';
export {
  contractNotification,
  type NotifierFixture,
  type NotifierScenario,
  runNotifierContract,
  SECRET_OPTION_KEY,
  secretValues,
} from './notifier-kit.js';
export { type ProbeFixture, type ProbeScenario, runProbeContract } from './probe-kit.js';
export {
  createRecorder,
  createRecordingExec,
  type Recorder,
  type RecorderOptions,
  type RecorderTarget,
  recordScenario,
  type ScenarioProvenance,
  type ScenarioToRecord,
} from './recorder.js';
export {
  createReplayExec,
  type LifecyclePhase,
  type Recording,
  type ReplayExec,
  type ReplayExecOptions,
  type ReplayServed,
  type ReplayViolation,
} from './replay-exec.js';
export { type LoggedEntry, type RunnerTestContext, type RunnerTestContextExtras, runnerContext } from './runner-context.js';
