export { contractContainer, type RunnerScenario, runRunnerContract } from './contract-kit.js';
export { createReplayExec, type Recording, type ReplayExec } from './replay-exec.js';
