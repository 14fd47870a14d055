import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { defineProbe, isUnrotError, UnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { type HealthSchedule, HealthScheduleSchema } from '../../src/health/policy-schema.js';
import { backoffDelay, runSchedule } from '../../src/health/schedule.js';
import { contextFor, fakeClock, startScriptedServer, statusProbe } from './helpers.js';

const schedule = (overrides: Record<string, unknown> = {}): HealthSchedule =>
  Value.Default(HealthScheduleSchema, structuredClone(overrides)) as HealthSchedule;

describe('backoff', () => {
  it('grows by factor from initial_ms and is capped at max_ms', () => {
    const s = schedule({ backoff: { initial_ms: 500, factor: 2, max_ms: 3_000 } });
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(s, n))).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
  });
});

describe('runSchedule with a fake clock against a real server on 127.0.0.1', () => {
  it('passes at the first 2xx, after the warm-up, with no further attempt', async () => {
    const server = await startScriptedServer([200]);
    const clock = fakeClock();
    try {
      const result = await runSchedule({
        probe: statusProbe,
        context: contextFor(server.url),
        schedule: schedule({ warmup_ms: 5_000 }),
        clock,
      });
      expect(result.outcome).toBe('pass');
      expect(result.warnings).toEqual([]);
      expect(result.attempts).toHaveLength(1);
      expect(result.attempts[0]).toMatchObject({ ok: true, startedAt: '2026-11-26T02:00:05.000Z' });
      expect(result.attempts[0]?.detail).toMatch(/^200 in \d+ ms$/);
      expect(clock.sleeps).toEqual([5_000]);
      expect(server.hits()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('warns when it passes only after failed attempts, having backed off between them', async () => {
    const server = await startScriptedServer([500, 503, 200]);
    const clock = fakeClock();
    try {
      const result = await runSchedule({
        probe: statusProbe,
        context: contextFor(server.url),
        schedule: schedule({ attempts: 5, backoff: { initial_ms: 1_000, factor: 3, max_ms: 5_000 } }),
        clock,
      });
      expect(result.outcome).toBe('warn');
      expect(result.warnings).toEqual(['recovered']);
      expect(result.attempts.map((a) => a.ok)).toEqual([false, false, true]);
      expect(result.attempts.map((a) => a.startedAt)).toEqual([
        '2026-11-26T02:00:00.000Z',
        '2026-11-26T02:00:01.000Z',
        '2026-11-26T02:00:04.000Z',
      ]);
      expect(clock.sleeps).toEqual([0, 1_000, 3_000]);
      expect(result.summary).toMatch(/^passed after 2 failed attempts: 200 in/);
    } finally {
      await server.close();
    }
  });

  it('fails after failure_threshold failures in a row without using the remaining attempts', async () => {
    const server = await startScriptedServer([500]);
    try {
      const result = await runSchedule({
        probe: statusProbe,
        context: contextFor(server.url),
        schedule: schedule({ attempts: 10, failure_threshold: 3 }),
        clock: fakeClock(),
      });
      expect(result.outcome).toBe('fail');
      expect(result.attempts).toHaveLength(3);
      expect(server.hits()).toBe(3);
      expect(result.summary).toBe(`3 failed attempts in a row: 500 in ${result.attempts[2]?.durationMs} ms`);
    } finally {
      await server.close();
    }
  });

  it('needs success_threshold passes in a row; a flapping service fails when attempts run out', async () => {
    const server = await startScriptedServer([200, 500, 200, 500, 200, 500]);
    try {
      const result = await runSchedule({
        probe: statusProbe,
        context: contextFor(server.url),
        schedule: schedule({ attempts: 6, success_threshold: 2, failure_threshold: 2 }),
        clock: fakeClock(),
      });
      expect(result.outcome).toBe('fail');
      expect(result.attempts.map((a) => a.ok)).toEqual([true, false, true, false, true, false]);
      expect(result.summary).toMatch(/^no 2 passed attempts in a row within 6 attempts; last: 500/);
    } finally {
      await server.close();
    }
  });

  it('warns when a passing attempt is slower than latency_warn_ms', async () => {
    const server = await startScriptedServer([{ status: 200, delayMs: 120 }]);
    try {
      const result = await runSchedule({
        probe: statusProbe,
        context: contextFor(server.url),
        schedule: schedule({ latency_warn_ms: 50 }),
        clock: fakeClock(),
      });
      expect(result.outcome).toBe('warn');
      expect(result.warnings).toEqual(['slow']);
      expect(result.summary).toMatch(/^passed slowest \d+ ms, over latency_warn_ms 50: 200 in/);
    } finally {
      await server.close();
    }
  });

  it('a closed port fails every attempt with the probe’s detail', async () => {
    const server = await startScriptedServer([200]);
    await server.close();
    const result = await runSchedule({
      probe: statusProbe,
      context: contextFor(server.url),
      schedule: schedule({ attempts: 2, failure_threshold: 2 }),
      clock: fakeClock(),
    });
    expect(result.outcome).toBe('fail');
    expect(result.attempts.map((a) => a.detail)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('ends an attempt the probe does not end itself at attempt_timeout_ms, and counts it as failed', async () => {
    const server = await startScriptedServer([{ status: 200, delayMs: 5_000 }]);
    const deaf = defineProbe({
      ...statusProbe,
      id: 'deaf',
      // Ignores its signal: only the engine's guard can end it.
      attempt: (ctx) => statusProbe.attempt({ ...ctx, signal: new AbortController().signal }),
    });
    try {
      const started = performance.now();
      const result = await runSchedule({
        probe: deaf,
        context: contextFor(server.url),
        schedule: schedule({ attempts: 1, failure_threshold: 1, attempt_timeout_ms: 150 }),
        clock: fakeClock(),
      });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(result.outcome).toBe('fail');
      expect(result.attempts[0]?.detail).toBe('probe deaf did not finish within 150 ms');
    } finally {
      await server.close();
    }
  });

  it('does not retry a configuration error, and turns an invalid result into a failed attempt', async () => {
    const misconfigured = defineProbe({
      id: 'misconfigured',
      sdk: 1,
      description: 'refuses its options',
      optionsSchema: Type.Object({}),
      attempt: async () => {
        throw new UnrotError('E_CONFIG', 'body_regex is not a valid regular expression');
      },
    });
    const config = await runSchedule({
      probe: misconfigured,
      context: contextFor(''),
      schedule: schedule({ attempts: 5 }),
      clock: fakeClock(),
    });
    expect(config.outcome).toBe('fail');
    expect(config.attempts).toHaveLength(1);
    expect(config.summary).toBe('not retried: E_CONFIG: body_regex is not a valid regular expression');

    const invalid = defineProbe({ ...misconfigured, id: 'invalid', attempt: async () => ({ ok: true, durationMs: -1, detail: 'x' }) });
    const result = await runSchedule({
      probe: invalid,
      context: contextFor(''),
      schedule: schedule({ attempts: 1, failure_threshold: 1 }),
      clock: fakeClock(),
    });
    expect(result.attempts[0]).toMatchObject({ ok: false, detail: 'probe invalid returned an invalid result' });
  });

  it('an abort ends the schedule with E_EXEC_ABORTED instead of a verdict', async () => {
    const server = await startScriptedServer([500]);
    const controller = new AbortController();
    const clock = fakeClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms, signal) => {
      if (clock.sleeps.length === 1) controller.abort();
      await sleep(ms, signal);
    };
    try {
      const error = await runSchedule({
        probe: statusProbe,
        context: contextFor(server.url),
        schedule: schedule({ attempts: 5 }),
        signal: controller.signal,
        clock,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUnrotError(error) && error.code).toBe('E_EXEC_ABORTED');
      expect(server.hits()).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('runSchedule in real time', () => {
  it('waits out the warm-up and backoff while a service comes up, then passes with a warning', async () => {
    const server = await startScriptedServer([503, 503, 200]);
    try {
      const started = performance.now();
      const result = await runSchedule({
        probe: statusProbe,
        context: contextFor(server.url),
        schedule: schedule({ warmup_ms: 100, attempts: 4, backoff: { initial_ms: 100, factor: 2, max_ms: 1_000 } }),
      });
      const elapsed = performance.now() - started;
      expect(result.outcome).toBe('warn');
      expect(result.attempts.map((a) => a.ok)).toEqual([false, false, true]);
      // warm-up 100 + waits 100 + 200 = 400 ms at least
      expect(elapsed).toBeGreaterThanOrEqual(390);
      expect(elapsed).toBeLessThan(3_000);
      const starts = result.attempts.map((a) => Date.parse(a.startedAt));
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(95);
      expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(195);
    } finally {
      await server.close();
    }
  });
});
