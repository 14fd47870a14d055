// The same contract, on the captures recorded with apk-tools 3.0.6 (test/fixtures/README.md).
import type { RunnerScenario } from '@unrot/sdk/testing';
import { runRunnerContract } from '@unrot/sdk/testing';
import { runner } from '../src/index.js';
import scenarios from './fixtures/contract-scenarios.apk3.json' with { type: 'json' };

runRunnerContract(runner, scenarios as RunnerScenario[]);
