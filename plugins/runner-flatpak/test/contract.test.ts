import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import type { Runner } from '@unrot/sdk';
import { type RunnerScenario, runRunnerContract } from '@unrot/sdk/testing';
import runner from '../src/index.js';

// Real outputs recorded by scripts/record-fixtures.mjs; each scenario's `source` and `provenance` say where and how.
const scenarios = JSON.parse(readFileSync(new URL('./fixtures/contract-scenarios.json', import.meta.url), 'utf8')) as RunnerScenario[];

runRunnerContract(runner as unknown as Runner<TSchema>, scenarios);
