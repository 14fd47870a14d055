import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../container.js';
import { type OptionsProblem, type Runner, SDK_VERSION, type SourceEndpoint } from '../runner.js';
import {
  assertAbortedCheck,
  assertApply,
  assertDetectAndCheck,
  assertDryRun,
  assertPlan,
  contractContainer,
  inPhase,
  optionsOf,
  scenarioContext,
} from './lifecycle-checks.js';
import type { ScenarioProvenance } from './recorder.js';
import type { Recording } from './replay-exec.js';
import {
  assertDeclaredCommands,
  assertSourcesAbort,
  assertSourcesRun,
  assertValidateOptions,
  resolveOptionsPath,
} from './runner-checks.js';

/** One situation a runner must handle, with the real outputs it will see. */
export interface RunnerScenario {
  name: string;
  /** Where the recordings came from (host, distribution, date, command). */
  source: string;
  /** Written by the recorder (tool version read from the target, date, command, where); absent in older captures. */
  provenance?: ScenarioProvenance;
  options?: unknown;
  exclusions?: string[];
  container?: Partial<ContainerInfo>;
  /**
   * Every command the runner ran, in order. A scenario with updates also holds the after-state:
   * the outputs of the check the recorder ran again after apply (served as the next recording of the same argv).
   */
  recordings: Recording[];
  expect: {
    applicable: boolean;
    /** Number of updates check must report (when applicable). */
    updates?: number;
    /** Names check must withhold (exclusions, pins). */
    withheld?: string[];
    /** Set when check must fail with this error code. */
    checkErrorCode?: string;
    /**
     * Set to check sources(): the endpoints it must return, in any order, for these recordings
     * (which then also hold what sources ran). Like the engine's pre-flight, the kit calls it
     * after a positive detect, so the scenario must be applicable.
     */
    sources?: SourceEndpoint[];
  };
}

/**
 * Options the schema accepts but the runner's own rules (validateOptions) must refuse. Nothing
 * runs for them (the engine stops at validation), so they need no recordings.
 */
export interface InvalidOptionsCase {
  name: string;
  options: unknown;
  /** Every path validateOptions must report (any order), e.g. [['commands', 1, 'name']]. */
  problems: Array<ReadonlyArray<string | number>>;
}

export interface RunnerContractOptions {
  invalidOptions?: readonly InvalidOptionsCase[];
}

const OPTIONAL_METHODS = ['sources', 'declaredCommands', 'validateOptions', 'afterVerify'] as const;

export { contractContainer };

const pathKey = (path: ReadonlyArray<string | number>) => JSON.stringify(path);

/** The runner names itself, its SDK and kind, and its options schema accepts its own defaults. */
export function assertIdentity(runner: Runner<TSchema>): void {
  expect(runner.sdk, 'sdk').toBe(SDK_VERSION);
  expect(runner.id, 'id').toMatch(/^[a-z][a-z0-9-]*$/);
  expect(['os', 'app'], 'kind').toContain(runner.kind);
  expect(runner.description.length, 'a description').toBeGreaterThan(0);
  const defaults = Value.Default(runner.optionsSchema, {});
  expect([...Value.Errors(runner.optionsSchema, defaults)], 'the defaults pass the options schema').toEqual([]);
}

/** The scenarios cover both outcomes of check. */
export function assertScenarioCoverage(scenarios: readonly RunnerScenario[]): void {
  expect(
    scenarios.some((s) => (s.expect.updates ?? 0) > 0),
    'at least one scenario with pending updates',
  ).toBe(true);
  expect(
    scenarios.some((s) => s.expect.applicable && s.expect.updates === 0),
    'at least one scenario with nothing pending',
  ).toBe(true);
}

/** Optional methods are functions; sources() and invalidOptions cases come with what tests them. Static facts only. */
export function assertOptionalMethods(
  runner: Runner<TSchema>,
  scenarios: readonly RunnerScenario[],
  contract: RunnerContractOptions = {},
): void {
  const sourceScenarios = scenarios.filter((s) => s.expect.sources !== undefined);
  for (const name of OPTIONAL_METHODS) {
    if (runner[name] !== undefined) expect(typeof runner[name], `${name} is a method`).toBe('function');
  }
  if (runner.pinsVersions !== undefined) expect(typeof runner.pinsVersions, 'pinsVersions is a boolean').toBe('boolean');
  if (runner.sources !== undefined)
    expect(sourceScenarios.length, 'a runner with sources() has at least one scenario with expect.sources').toBeGreaterThan(0);
  else
    expect(
      sourceScenarios.map((s) => s.name),
      'expect.sources needs a runner with sources()',
    ).toEqual([]);
  for (const s of sourceScenarios) expect(s.expect.applicable, `${s.name}: sources() is only asked after a positive detect`).toBe(true);
  if (contract.invalidOptions?.length)
    expect(typeof runner.validateOptions, 'invalidOptions cases need a runner with validateOptions()').toBe('function');
}

/** validateOptions reports exactly the problems the case names, on options the schema accepts. */
export function assertInvalidOptionsRefused(runner: Runner<TSchema>, invalid: InvalidOptionsCase): void {
  const options = optionsOf(runner, invalid.options);
  // Otherwise the engine reports the schema's problems and never asks the runner.
  expect([...Value.Errors(runner.optionsSchema, options)], 'the case passes the options schema').toEqual([]);
  const problems: OptionsProblem[] = assertValidateOptions(runner, options);
  expect(problems.map((p) => pathKey(p.path)).sort(), 'the paths of the problems').toEqual(invalid.problems.map(pathKey).sort());
  for (const path of invalid.problems) expect(resolveOptionsPath(options, path).found, `${pathKey(path)} exists in the case`).toBe(true);
}

/**
 * The contract every runner passes (abstract-level style: plugins run it on themselves).
 * Call it inside a vitest file: `runRunnerContract(runner, scenarios)`. Each check is one of the
 * exported assert* functions, so packages/sdk/test can prove each fails on a broken runner.
 */
export function runRunnerContract(
  runner: Runner<TSchema>,
  scenarios: readonly RunnerScenario[],
  contract: RunnerContractOptions = {},
): void {
  const checksOptions = runner.declaredCommands !== undefined || runner.validateOptions !== undefined;
  describe(`runner contract: ${runner.id}`, () => {
    it('declares its identity and an options schema with valid defaults', () => assertIdentity(runner));

    it('has at least one scenario with pending updates and one with none', () => assertScenarioCoverage(scenarios));

    // Static facts only: sources() is never called without recordings made for it.
    it('declares its optional methods as functions, and checks sources() on recordings when it has one', () =>
      assertOptionalMethods(runner, scenarios, contract));

    for (const invalid of contract.invalidOptions ?? []) {
      it(`validateOptions refuses: ${invalid.name}`, () => assertInvalidOptionsRefused(runner, invalid));
    }

    for (const scenario of scenarios) {
      describe(scenario.name, () => {
        it('detect and check run no changing command and return valid data', () => assertDetectAndCheck(runner, scenario));

        if (checksOptions) {
          it('declaredCommands and validateOptions are pure on its options and name paths inside them', () => {
            const options = optionsOf(runner, scenario.options);
            // The engine calls both only on options its schema accepted.
            if (!Value.Check(runner.optionsSchema, options)) return;
            if (runner.declaredCommands) assertDeclaredCommands(runner, options);
            if (runner.validateOptions)
              expect(assertValidateOptions(runner, options), 'no problems with valid scenario options').toEqual([]);
          });
        }

        const expectedSources = scenario.expect.sources;
        if (expectedSources) {
          it('sources returns exactly the expected endpoints, only reading, with valid hosts, ports and origins', async () => {
            const { exec, ctx } = scenarioContext(runner, scenario);
            expect((await inPhase(exec, 'detect', () => runner.detect(ctx))).applicable, 'detect is positive before sources is asked').toBe(
              true,
            );
            await inPhase(exec, 'sources', () => assertSourcesRun(runner, ctx, exec.records, expectedSources));
          });

          it('sources rejects with a coded error when its signal is already aborted', async () => {
            const controller = new AbortController();
            controller.abort();
            const { ctx } = scenarioContext(runner, scenario, false, controller.signal);
            await assertSourcesAbort(runner, ctx);
          });
        }

        if (!scenario.expect.applicable || scenario.expect.checkErrorCode) return;

        it('plans exact argv, runs nothing changing while planning, and plans nothing when nothing is pending', () =>
          assertPlan(runner, scenario));

        it('in dry-run, executes no changing command at all, not even through read()', () => assertDryRun(runner, scenario));

        it('applies the plan with changing commands only from the plan, and check afterwards finds none of it pending', () =>
          assertApply(runner, scenario));

        it('honours an aborted signal with a coded error', () => assertAbortedCheck(runner, scenario));
      });
    }
  });
}
