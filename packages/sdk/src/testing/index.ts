export {
  contractContainer,
  type InvalidOptionsCase,
  type RunnerContractOptions,
  type RunnerScenario,
  runRunnerContract,
} from './contract-kit.js';
export { createLocalExec, type LocalExec } from './local-exec.js';
export {
  contractNotification,
  type NotifierFixture,
  type NotifierScenario,
  runNotifierContract,
  SECRET_OPTION_KEY,
  secretValues,
} from './notifier-kit.js';
export { type ProbeFixture, type ProbeScenario, runProbeContract } from './probe-kit.js';
export { createReplayExec, type Recording, type ReplayExec } from './replay-exec.js';
