import type { RunnerScenario } from '@unrot/sdk/testing';
import { runRunnerContract } from '@unrot/sdk/testing';
import { runner } from '../src/index.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

runRunnerContract(runner, scenarios as RunnerScenario[]);
