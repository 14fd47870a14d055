import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { isUnrotError } from '../errors.js';
import type { Exec, ExecRecord } from '../exec.js';
import { silentLogger } from '../logger.js';
import { type Probe, type ProbeAttempt, ProbeAttemptSchema, type ProbeContext } from '../probe.js';
import { SDK_VERSION } from '../runner.js';
import { contractContainer } from './contract-kit.js';

/** What a scenario's setup started: real servers or commands, torn down after each check. */
export interface ProbeFixture {
  options: unknown;
  address?: string;
  /** Only `read` reaches the probe; `records` (a LocalExec's) is checked for changing commands. */
  exec?: Pick<Exec, 'read'> & { records?: readonly ExecRecord[] };
  teardown(): Promise<void>;
}

/** One situation a probe must judge, against something real the setup starts. */
export interface ProbeScenario {
  name: string;
  setup(): Promise<ProbeFixture>;
  expect: { ok: boolean; detailMatches?: RegExp };
}

/** How long an attempt may take once its signal is already aborted. */
const PROMPT_ABORT_MS = 1_000;
/** Scheduling slack between the probe's own clock and the kit's. */
const CLOCK_SLACK_MS = 50;

function noExec(): Pick<Exec, 'read'> {
  return {
    read: async () => {
      throw new Error('this scenario gave the probe no exec');
    },
  };
}

function makeContext(probe: Probe<TSchema>, fixture: ProbeFixture, signal: AbortSignal): ProbeContext<unknown> {
  const inner = fixture.exec ?? noExec();
  // Only read is handed over, frozen: a probe that reaches for change() fails the contract.
  const exec = Object.freeze({ read: (argv: readonly string[], opts?: Parameters<Exec['read']>[1]) => inner.read(argv, opts) });
  const options = Value.Default(probe.optionsSchema, structuredClone(fixture.options ?? {}));
  const ctx: ProbeContext<unknown> = { exec, log: silentLogger, signal, options, container: contractContainer() };
  if (fixture.address !== undefined) ctx.address = fixture.address;
  return ctx;
}

async function withFixture<T>(scenario: ProbeScenario, fn: (fixture: ProbeFixture) => Promise<T>): Promise<T> {
  const fixture = await scenario.setup();
  try {
    return await fn(fixture);
  } finally {
    await fixture.teardown();
  }
}

/** Each schema property that declares a default must accept it. */
function defaultsAreValid(schema: TSchema): string[] {
  const problems: string[] = [];
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  for (const [key, sub] of Object.entries(properties)) {
    // An object default like {} is completed by its members' own defaults, as Value.Default does.
    if (sub.default !== undefined && !Value.Check(sub, Value.Default(sub, structuredClone(sub.default))))
      problems.push(`${key}: default ${JSON.stringify(sub.default)}`);
    if ((sub as { type?: unknown }).type === 'object') problems.push(...defaultsAreValid(sub).map((p) => `${key}.${p}`));
  }
  return problems;
}

/**
 * The contract every probe passes. Call it inside a vitest file:
 * `runProbeContract(probe, scenarios)`; scenarios start real servers in `setup`.
 */
export function runProbeContract(probe: Probe<TSchema>, scenarios: readonly ProbeScenario[]): void {
  describe(`probe contract: ${probe.id}`, () => {
    it('declares its identity and an options schema whose defaults are valid', () => {
      expect(probe.sdk).toBe(SDK_VERSION);
      expect(probe.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(probe.description.length).toBeGreaterThan(0);
      expect((probe.optionsSchema as { type?: unknown }).type).toBe('object');
      expect(defaultsAreValid(probe.optionsSchema)).toEqual([]);
    });

    it('has at least one passing and one failing scenario', () => {
      expect(scenarios.some((s) => s.expect.ok)).toBe(true);
      expect(scenarios.some((s) => !s.expect.ok)).toBe(true);
    });

    for (const scenario of scenarios) {
      describe(scenario.name, () => {
        it(`attempts, returns a valid result with ok: ${scenario.expect.ok}, and runs nothing changing`, async () => {
          await withFixture(scenario, async (fixture) => {
            expect([...Value.Errors(probe.optionsSchema, Value.Default(probe.optionsSchema, structuredClone(fixture.options)))]).toEqual(
              [],
            );
            const ctx = makeContext(probe, fixture, new AbortController().signal);
            expect('change' in ctx.exec).toBe(false);
            const started = performance.now();
            const result: ProbeAttempt = await probe.attempt(ctx);
            const elapsed = performance.now() - started;
            expect([...Value.Errors(ProbeAttemptSchema, result)]).toEqual([]);
            expect(result.ok, result.detail).toBe(scenario.expect.ok);
            expect(result.detail.length, 'detail says what happened').toBeGreaterThan(0);
            if (scenario.expect.detailMatches) expect(result.detail).toMatch(scenario.expect.detailMatches);
            expect(result.durationMs).toBeGreaterThanOrEqual(0);
            expect(result.durationMs, 'durationMs is at most the wall time of the attempt').toBeLessThanOrEqual(elapsed + CLOCK_SLACK_MS);
            expect((fixture.exec?.records ?? []).filter((r) => r.kind === 'change')).toEqual([]);
          });
        });

        it('ends promptly with a coded error or ok: false when its signal is already aborted', async () => {
          await withFixture(scenario, async (fixture) => {
            const controller = new AbortController();
            controller.abort();
            const ctx = makeContext(probe, fixture, controller.signal);
            let timer: NodeJS.Timeout | undefined;
            const late = new Promise<'late'>((resolve) => {
              timer = setTimeout(() => resolve('late'), PROMPT_ABORT_MS);
            });
            const settled = await Promise.race([
              probe.attempt(ctx).then(
                (value) => ({ value }),
                (error: unknown) => ({ error }),
              ),
              late,
            ]);
            clearTimeout(timer);
            expect(settled, `attempt did not end within ${PROMPT_ABORT_MS} ms of an aborted signal`).not.toBe('late');
            if (settled === 'late') return;
            if ('error' in settled) expect(isUnrotError(settled.error), `a coded error, got ${String(settled.error)}`).toBe(true);
            else {
              expect([...Value.Errors(ProbeAttemptSchema, settled.value)]).toEqual([]);
              expect(settled.value.ok).toBe(false);
            }
          });
        });
      });
    }
  });
}
