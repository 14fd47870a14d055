import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import {
  HealthChecksSchema,
  HealthHistorySchema,
  type HealthSchedule,
  HealthScheduleSchema,
  healthCheckName,
  scheduleProblems,
} from '../../src/health/policy-schema.js';

describe('health policy schemas', () => {
  it('fills a minimal health_checks entry with the documented defaults', () => {
    const checks = Value.Default(HealthChecksSchema, [{ probe: 'http', options: { port: 8080, path: '/health' } }]);
    expect(Value.Check(HealthChecksSchema, checks)).toBe(true);
    expect(checks).toEqual([
      {
        probe: 'http',
        options: { port: 8080, path: '/health' },
        schedule: {
          warmup_ms: 0,
          attempts: 5,
          backoff: { initial_ms: 1_000, factor: 2, max_ms: 15_000 },
          failure_threshold: 3,
          success_threshold: 1,
          attempt_timeout_ms: 30_000,
        },
        gate: {
          pre_existing: 'ignore',
          on_warn: 'ignore',
          unreliable: 'ignore',
          history: { window: 20, min_samples: 5, flaky_below: 0.9 },
        },
      },
    ]);
    expect(Value.Default(HealthChecksSchema, undefined)).toEqual([]);
    expect(Value.Check(HealthHistorySchema, Value.Default(HealthHistorySchema, {}))).toBe(true);
  });

  it('rejects unknown keys, bad probe ids and out-of-range numbers', () => {
    const check = (value: unknown) => Value.Check(HealthChecksSchema, Value.Default(HealthChecksSchema, value));
    expect(check([{ probe: 'http', schedule: { retries: 3 } }])).toBe(false);
    expect(check([{ probe: 'HTTP' }])).toBe(false);
    expect(check([{ probe: 'http', schedule: { attempts: 0 } }])).toBe(false);
    expect(check([{ probe: 'http', schedule: { backoff: { factor: 0.5 } } }])).toBe(false);
    expect(check([{ probe: 'http', gate: { pre_existing: 'maybe' } }])).toBe(false);
    expect(check([{ probe: 'http', name: 'Web Health' }])).toBe(false);
    expect(check([{ probe: 'http', extra: true }])).toBe(false);
  });

  it('reports rules across keys, and names checks', () => {
    const s = Value.Default(HealthScheduleSchema, {
      attempts: 2,
      failure_threshold: 3,
      success_threshold: 3,
      backoff: { initial_ms: 5_000, max_ms: 1_000 },
    }) as HealthSchedule;
    expect(scheduleProblems(s)).toEqual([
      'failure_threshold (3) is more than attempts (2)',
      'success_threshold (3) is more than attempts (2)',
      'backoff.max_ms (1000) is less than backoff.initial_ms (5000)',
    ]);
    expect(scheduleProblems(Value.Default(HealthScheduleSchema, {}) as HealthSchedule)).toEqual([]);
    expect(healthCheckName({ probe: 'tcp' }, 1)).toBe('tcp-2');
    expect(healthCheckName({ probe: 'tcp', name: 'db-port' }, 1)).toBe('db-port');
  });
});
