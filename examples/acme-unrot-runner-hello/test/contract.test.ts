import type { RunnerScenario } from '@unrot/sdk/testing';
import { runRunnerContract } from '@unrot/sdk/testing';
import { runner } from '../src/index.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

// The SDK's contract kit replays the recorded real outputs (test/fixtures/README.md) through the
// runner: schemas, read-only detect/check/plan, dry-run, apply reading back, exclusions, errors.
runRunnerContract(runner, scenarios as RunnerScenario[]);
