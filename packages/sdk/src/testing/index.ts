export { contractContainer, type RunnerScenario, runRunnerContract } from './contract-kit.js';
export { createLocalExec, type LocalExec } from './local-exec.js';
export { createReplayExec, type Recording, type ReplayExec } from './replay-exec.js';
