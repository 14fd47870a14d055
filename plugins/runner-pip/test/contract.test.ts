import { type RunnerScenario, runRunnerContract } from '@unrot/sdk/testing';
import runner from '../src/index.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

// Recordings are real pip outputs captured by test/real-pip.test.ts (UNROT_CAPTURE_FIXTURES=1); see each scenario's source.
runRunnerContract(runner, scenarios as RunnerScenario[]);
