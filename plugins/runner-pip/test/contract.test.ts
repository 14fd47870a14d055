import { type RunnerScenario, runRunnerContract } from '@unrot/sdk/testing';
import runner from '../src/index.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

// Recordings are real pip outputs recorded by scripts/record-fixtures.ts with the SDK recorder; see each scenario's source and provenance.
runRunnerContract(runner, scenarios as RunnerScenario[]);
