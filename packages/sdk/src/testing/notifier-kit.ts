import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isUnrotError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Notification, Notifier, NotifierContext } from '../notifier.js';
import { SDK_VERSION } from '../runner.js';

/** What a scenario's setup started: a real local server the notifier is pointed at. */
export interface NotifierFixture {
  /** The notifier's options (secrets already resolved, as the engine passes them). */
  options: unknown;
  /** How many messages the server accepted so far, judged as the real service would. */
  deliveries(): number | Promise<number>;
  teardown(): Promise<void>;
}

/** One situation a notifier must handle, against a real local server the setup starts. */
export interface NotifierScenario {
  name: string;
  setup(): Promise<NotifierFixture>;
  /** Default: contractNotification(). */
  message?: Notification;
  expect: {
    delivered: boolean;
    /** The code send must reject with when not delivered. */
    errorCode?: string;
    /** Time budget when the notifier declares no maxDurationMs. */
    withinMs?: number;
  };
}

/** Options whose key looks like this hold secrets: they must never be logged or put in errors. */
export const SECRET_OPTION_KEY = /url|token|secret|password|key/i;

/** Scheduling and server slack on top of a notifier's own time budget. */
const MARGIN_MS = 1_500;
/** How long send may take to end once its signal is aborted. */
const PROMPT_ABORT_MS = 1_000;

/** A message with characters every markup must escape, and a report with a summary. */
export function contractNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    severity: 'failure',
    title: 'unrot: 1 of 3 containers failed <&> "quoted"',
    text: 'CT 102 failed at apply: E_EXEC_FAILED <b>not bold</b> & *not* _markdown_ @everyone\nsecond line',
    runId: '20261126T021500Z-3fa9c2',
    report: {
      schema: 'unrot.run-report/v1',
      summary: { containers: 3, updated: 2, nothingToDo: 0, planned: 0, skipped: 0, failed: 1, packagesChanged: 4 },
    },
    ...overrides,
  };
}

interface LogRecord {
  level: string;
  args: unknown[];
}

function recordingLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      records.push({ level, args });
    };
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Every form in which a secret option value could leak: whole, percent-encoded, the credential part of a URL. */
export function secretValues(options: unknown): string[] {
  const out = new Set<string>();
  const add = (s: string) => {
    if (s.length < 4) return;
    out.add(s);
    out.add(encodeURIComponent(s));
  };
  const walk = (v: unknown, secret: boolean): void => {
    if (typeof v === 'string' && secret) {
      add(v);
      if (URL.canParse(v)) {
        const u = new URL(v);
        const tail = u.pathname + u.search;
        if (tail.length >= 8) add(tail);
        if (u.password) add(decodeURIComponent(u.password));
      }
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, secret);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) walk(item, secret || SECRET_OPTION_KEY.test(k));
    }
  };
  walk(options, false);
  return [...out];
}

/** The text of an error someone could see: message, stack, JSON form and causes. */
function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    texts.push(String(e));
    if (e instanceof Error) texts.push(e.message, String(e.stack));
    try {
      texts.push(JSON.stringify(e));
    } catch {
      texts.push('[unserialisable error]');
    }
  }
  return texts;
}

function logTexts(records: readonly LogRecord[]): string[] {
  return records.map((r) => {
    try {
      return JSON.stringify(r.args);
    } catch {
      return String(r.args);
    }
  });
}

function leaks(texts: readonly string[], secrets: readonly string[]): string[] {
  const found: string[] = [];
  texts.forEach((text, i) => {
    for (const s of secrets) if (text.includes(s)) found.push(`text #${i} holds a secret option value (${s.length} characters)`);
  });
  return found;
}

async function withFixture<T>(scenario: NotifierScenario, fn: (fixture: NotifierFixture) => Promise<T>): Promise<T> {
  const fixture = await scenario.setup();
  try {
    return await fn(fixture);
  } finally {
    await fixture.teardown();
  }
}

type Settled = { value: undefined; error?: undefined } | { error: unknown };

function settle(p: Promise<void>): Promise<Settled> {
  return p.then(
    () => ({ value: undefined }),
    (error: unknown) => ({ error }),
  );
}

/** Each schema property that declares a default must accept it. */
function invalidDefaults(schema: TSchema): string[] {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  return Object.entries(properties)
    .filter(([, sub]) => sub.default !== undefined && !Value.Check(sub, sub.default))
    .map(([key]) => key);
}

/**
 * The contract every notifier passes. Call it inside a vitest file:
 * `runNotifierContract(notifier, scenarios)`; scenarios start real local servers in `setup`.
 */
export function runNotifierContract(notifier: Notifier<TSchema>, scenarios: readonly NotifierScenario[]): void {
  const optionsOf = (fixture: NotifierFixture) => Value.Default(notifier.optionsSchema, structuredClone(fixture.options ?? {}));
  const budgetOf = (scenario: NotifierScenario, options: unknown) => notifier.maxDurationMs?.(options as never) ?? scenario.expect.withinMs;

  describe(`notifier contract: ${notifier.id}`, () => {
    it('declares its identity and an options schema whose defaults are valid', () => {
      expect(notifier.sdk).toBe(SDK_VERSION);
      expect(notifier.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(notifier.description.length).toBeGreaterThan(0);
      expect((notifier.optionsSchema as { type?: unknown }).type).toBe('object');
      expect(invalidDefaults(notifier.optionsSchema)).toEqual([]);
      expect(typeof notifier.send).toBe('function');
    });

    it('has at least one delivering and one failing scenario', () => {
      expect(scenarios.some((s) => s.expect.delivered)).toBe(true);
      expect(scenarios.some((s) => !s.expect.delivered)).toBe(true);
    });

    for (const scenario of scenarios) {
      describe(scenario.name, () => {
        it(`${scenario.expect.delivered ? 'delivers' : 'rejects with a coded error'} within its time budget and leaks no secret`, async () => {
          await withFixture(scenario, async (fixture) => {
            const options = optionsOf(fixture);
            expect([...Value.Errors(notifier.optionsSchema, options)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
            expect(notifier.checkOptions?.(options as never) ?? []).toEqual([]);
            const budget = budgetOf(scenario, options);
            expect(budget, 'a time budget: the notifier declares maxDurationMs or the scenario sets expect.withinMs').toBeTypeOf('number');
            const log = recordingLogger();
            const ctx: NotifierContext<unknown> = { log, signal: new AbortController().signal, options };
            const started = performance.now();
            const settled = await settle(notifier.send(ctx as never, scenario.message ?? contractNotification()));
            const elapsed = performance.now() - started;
            expect(elapsed, `send took ${Math.round(elapsed)} ms, budget ${budget} ms`).toBeLessThanOrEqual((budget as number) + MARGIN_MS);

            if (scenario.expect.delivered) {
              expect('error' in settled ? errorTexts(settled.error)[0] : undefined, 'send resolves').toBeUndefined();
              expect(await fixture.deliveries(), 'the server accepted the message').toBeGreaterThanOrEqual(1);
            } else {
              expect('error' in settled, 'send rejects').toBe(true);
              const error = (settled as { error: unknown }).error;
              expect(isUnrotError(error), `a coded UnrotError, got ${String(error)}`).toBe(true);
              const code = (error as { code: string }).code;
              expect(Object.keys(ERROR_CODES)).toContain(code);
              if (scenario.expect.errorCode) expect(code).toBe(scenario.expect.errorCode);
              expect(await fixture.deliveries(), 'the server accepted nothing').toBe(0);
            }

            const secrets = secretValues(options);
            const texts = [...logTexts(log.records), ...('error' in settled ? errorTexts(settled.error) : [])];
            expect(leaks(texts, secrets), 'secret option values in errors or logs').toEqual([]);
          });
        });

        it('ends promptly with a coded error, delivering nothing, when its signal is already aborted', async () => {
          await withFixture(scenario, async (fixture) => {
            const controller = new AbortController();
            controller.abort();
            const log = recordingLogger();
            const ctx: NotifierContext<unknown> = { log, signal: controller.signal, options: optionsOf(fixture) };
            const started = performance.now();
            const settled = await settle(notifier.send(ctx as never, scenario.message ?? contractNotification()));
            expect(performance.now() - started).toBeLessThanOrEqual(PROMPT_ABORT_MS);
            expect('error' in settled && isUnrotError(settled.error), 'a coded error').toBe(true);
            expect(await fixture.deliveries()).toBe(0);
            const texts = [...logTexts(log.records), ...('error' in settled ? errorTexts(settled.error) : [])];
            expect(leaks(texts, secretValues(ctx.options)), 'secret option values in errors or logs').toEqual([]);
          });
        });

        it('settles soon after its signal is aborted in flight', async () => {
          await withFixture(scenario, async (fixture) => {
            const controller = new AbortController();
            const log = recordingLogger();
            const ctx: NotifierContext<unknown> = { log, signal: controller.signal, options: optionsOf(fixture) };
            const sending = settle(notifier.send(ctx as never, scenario.message ?? contractNotification()));
            const early = await Promise.race([sending.then(() => true), delay(100).then(() => false)]);
            // A send that finished before the abort has nothing left to prove here.
            const abortedAt = performance.now();
            if (!early) controller.abort(new Error('deadline passed'));
            const settled = await sending;
            expect(performance.now() - abortedAt, 'settled within a second of the abort').toBeLessThanOrEqual(PROMPT_ABORT_MS);
            if ('error' in settled) expect(isUnrotError(settled.error), `a coded error, got ${String(settled.error)}`).toBe(true);
            const texts = [...logTexts(log.records), ...('error' in settled ? errorTexts(settled.error) : [])];
            expect(leaks(texts, secretValues(ctx.options)), 'secret option values in errors or logs').toEqual([]);
          });
        });
      });
    }
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
