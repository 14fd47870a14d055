import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../container.js';
import { isUnrotError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { ApplyResultSchema, CheckResultSchema, DetectResultSchema, PlanStepSchema } from '../results.js';
import { type OptionsProblem, type Runner, type RunnerContext, SDK_VERSION, type SourceEndpoint } from '../runner.js';
import { createReplayExec, type Recording } from './replay-exec.js';
import {
  assertDeclaredCommands,
  assertNoShell,
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
  options?: unknown;
  exclusions?: string[];
  container?: Partial<ContainerInfo>;
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

const OPTIONAL_METHODS = ['sources', 'declaredCommands', 'validateOptions'] as const;

export function contractContainer(overrides: Partial<ContainerInfo> = {}): ContainerInfo {
  return { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false, ...overrides };
}

/** A scenario's options as the engine hands them to the runner: defaults applied to a copy. */
function optionsOf(runner: Runner<TSchema>, options: unknown): unknown {
  return Value.Default(runner.optionsSchema, structuredClone(options ?? {}));
}

function makeContext(runner: Runner<TSchema>, scenario: RunnerScenario, dryRun: boolean, signal = new AbortController().signal) {
  const exec = createReplayExec(scenario.recordings, { dryRun, signal });
  const options = optionsOf(runner, scenario.options);
  const ctx: RunnerContext<unknown> = {
    exec,
    log: silentLogger,
    signal,
    options,
    container: contractContainer(scenario.container),
    exclusions: scenario.exclusions ?? [],
  };
  return { exec, ctx };
}

const pathKey = (path: ReadonlyArray<string | number>) => JSON.stringify(path);

/**
 * The contract every runner passes (abstract-level style: plugins run it on themselves).
 * Call it inside a vitest file: `runRunnerContract(runner, scenarios)`.
 */
export function runRunnerContract(
  runner: Runner<TSchema>,
  scenarios: readonly RunnerScenario[],
  contract: RunnerContractOptions = {},
): void {
  const sourceScenarios = scenarios.filter((s) => s.expect.sources !== undefined);
  const checksOptions = runner.declaredCommands !== undefined || runner.validateOptions !== undefined;
  describe(`runner contract: ${runner.id}`, () => {
    it('declares its identity and an options schema with valid defaults', () => {
      expect(runner.sdk).toBe(SDK_VERSION);
      expect(runner.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(['os', 'app']).toContain(runner.kind);
      expect(runner.description.length).toBeGreaterThan(0);
      const defaults = Value.Default(runner.optionsSchema, {});
      expect([...Value.Errors(runner.optionsSchema, defaults)]).toEqual([]);
    });

    it('has at least one scenario with pending updates and one with none', () => {
      expect(scenarios.some((s) => (s.expect.updates ?? 0) > 0)).toBe(true);
      expect(scenarios.some((s) => s.expect.applicable && s.expect.updates === 0)).toBe(true);
    });

    // Static facts only: sources() is never called without recordings made for it.
    it('declares its optional methods as functions, and checks sources() on recordings when it has one', () => {
      for (const name of OPTIONAL_METHODS) {
        if (runner[name] !== undefined) expect(typeof runner[name], `${name} is a method`).toBe('function');
      }
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
    });

    for (const invalid of contract.invalidOptions ?? []) {
      it(`validateOptions refuses: ${invalid.name}`, () => {
        const options = optionsOf(runner, invalid.options);
        // Otherwise the engine reports the schema's problems and never asks the runner.
        expect([...Value.Errors(runner.optionsSchema, options)], 'the case passes the options schema').toEqual([]);
        const problems: OptionsProblem[] = assertValidateOptions(runner, options);
        expect(problems.map((p) => pathKey(p.path)).sort(), 'the paths of the problems').toEqual(invalid.problems.map(pathKey).sort());
        for (const path of invalid.problems)
          expect(resolveOptionsPath(options, path).found, `${pathKey(path)} exists in the case`).toBe(true);
      });
    }

    for (const scenario of scenarios) {
      describe(scenario.name, () => {
        it('detect and check run no changing command and return valid data', async () => {
          const { exec, ctx } = makeContext(runner, scenario, false);
          const detected = await runner.detect(ctx);
          expect(Value.Check(DetectResultSchema, detected)).toBe(true);
          expect(detected.applicable).toBe(scenario.expect.applicable);
          if (detected.applicable) {
            if (scenario.expect.checkErrorCode) {
              const error = await runner.check(ctx).then(
                () => undefined,
                (e: unknown) => e,
              );
              expect(isUnrotError(error), 'check must fail with a coded error').toBe(true);
              expect((error as { code: string }).code).toBe(scenario.expect.checkErrorCode);
            } else {
              const checked = await runner.check(ctx);
              expect([...Value.Errors(CheckResultSchema, checked)]).toEqual([]);
              if (scenario.expect.updates !== undefined) expect(checked.updates).toHaveLength(scenario.expect.updates);
              if (scenario.expect.withheld)
                expect(checked.withheld.map((w) => w.name).sort()).toEqual([...scenario.expect.withheld].sort());
            }
          }
          expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
          for (const r of exec.records) assertNoShell(r.argv);
        });

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
            const { exec, ctx } = makeContext(runner, scenario, false);
            expect((await runner.detect(ctx)).applicable, 'detect is positive before sources is asked').toBe(true);
            await assertSourcesRun(runner, ctx, exec.records, expectedSources);
          });

          it('sources rejects with a coded error when its signal is already aborted', async () => {
            const controller = new AbortController();
            controller.abort();
            const { ctx } = makeContext(runner, scenario, false, controller.signal);
            await assertSourcesAbort(runner, ctx);
          });
        }

        if (!scenario.expect.applicable || scenario.expect.checkErrorCode) return;

        it('plans exact argv, runs nothing changing while planning, and plans nothing when nothing is pending', async () => {
          const { exec, ctx } = makeContext(runner, scenario, false);
          const checked = await runner.check(ctx);
          const steps = await runner.plan(ctx, checked);
          for (const step of steps) {
            expect([...Value.Errors(PlanStepSchema, step)]).toEqual([]);
            assertNoShell(step.argv);
          }
          if (checked.updates.length === 0) expect(steps).toEqual([]);
          else expect(steps.length).toBeGreaterThan(0);
          expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
        });

        it('in dry-run, executes no changing command at all', async () => {
          const { exec, ctx } = makeContext(runner, scenario, true);
          const checked = await runner.check(ctx);
          const steps = await runner.plan(ctx, checked);
          await runner.apply(ctx, steps).catch(() => undefined);
          expect(exec.records.filter((r) => r.kind === 'change' && r.executed)).toEqual([]);
        });

        it('applies the plan with changing commands only from the plan and returns a valid result', async () => {
          const { exec, ctx } = makeContext(runner, scenario, false);
          const checked = await runner.check(ctx);
          const steps = await runner.plan(ctx, checked);
          const before = exec.records.length;
          const result = await runner.apply(ctx, steps);
          expect([...Value.Errors(ApplyResultSchema, result)]).toEqual([]);
          const changes = exec.records.slice(before).filter((r) => r.kind === 'change');
          expect(changes.map((r) => r.argv)).toEqual(steps.map((s) => s.argv));
          if (steps.length === 0) expect(result.changed).toEqual([]);
        });

        it('honours an aborted signal with a coded error', async () => {
          const controller = new AbortController();
          controller.abort();
          const { ctx } = makeContext(runner, scenario, false, controller.signal);
          const error = await runner.check(ctx).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isUnrotError(error), 'check must reject with a coded error when aborted').toBe(true);
        });
      });
    }
  });
}
