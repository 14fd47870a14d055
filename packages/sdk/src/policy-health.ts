import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Waits between attempts: the n-th wait (n from 0) is min(max_ms, initial_ms × factor^n). */
export const HealthBackoffSchema = Type.Object(
  {
    initial_ms: Type.Integer({ minimum: 0, maximum: 600_000, default: 1_000, description: 'wait before the second attempt' }),
    factor: Type.Number({ minimum: 1, maximum: 10, default: 2, description: 'each further wait is this many times longer' }),
    max_ms: Type.Integer({ minimum: 0, maximum: 600_000, default: 15_000, description: 'no wait is longer than this' }),
  },
  { additionalProperties: false, default: {} },
);

export const HealthScheduleSchema = Type.Object(
  {
    warmup_ms: Type.Integer({
      minimum: 0,
      maximum: 3_600_000,
      default: 0,
      description: 'wait this long before the first attempt (an application restarting after an update)',
    }),
    attempts: Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'at most this many attempts' }),
    backoff: HealthBackoffSchema,
    failure_threshold: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'this many failed attempts in a row end the schedule: fail',
    }),
    success_threshold: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 1,
      description: 'this many passed attempts in a row end the schedule: pass (or warn)',
    }),
    latency_warn_ms: Type.Optional(
      Type.Integer({ minimum: 1, description: 'a passing attempt slower than this turns pass into warn (the probe’s own SLO fails it)' }),
    ),
    attempt_timeout_ms: Type.Integer({
      minimum: 1,
      maximum: 600_000,
      default: 30_000,
      description: 'the engine ends an attempt that runs longer than this, even if the probe ignores its signal',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type HealthSchedule = Static<typeof HealthScheduleSchema>;

export const HealthGateSchema = Type.Object(
  {
    pre_existing: Type.Union([Type.Literal('ignore'), Type.Literal('rollback')], {
      default: 'ignore',
      description: 'a check that already failed before the update: keep the update (ignore) or roll back anyway',
    }),
    on_warn: Type.Union([Type.Literal('ignore'), Type.Literal('rollback')], {
      default: 'ignore',
      description: 'a check that passes after the update only with warnings (retries, slow): keep the update or roll back',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type HealthGatePolicy = Static<typeof HealthGateSchema>;

export const HealthCheckSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9_.-]*$',
        maxLength: 64,
        description: 'names the check in reports and its baseline history; default <probe>-<position from 1>',
      }),
    ),
    probe: Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 64, description: 'probe id from a probe plugin: http, tcp, cmd, …' }),
    options: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      description: "the probe's options, checked against that probe's own schema",
    }),
    schedule: HealthScheduleSchema,
    gate: HealthGateSchema,
  },
  { additionalProperties: false },
);
export type HealthCheck = Static<typeof HealthCheckSchema>;

/** The `health_checks:` policy key (global and per container). */
export const HealthChecksSchema = Type.Array(HealthCheckSchema, { default: [], maxItems: 32 });

/** The `health_history:` policy key: how much baseline history is kept and when a probe counts as flaky. */
export const HealthHistorySchema = Type.Object(
  {
    keep: Type.Integer({ minimum: 1, maximum: 1_000, default: 20, description: 'results kept per check and container' }),
    min_samples: Type.Integer({
      minimum: 1,
      maximum: 1_000,
      default: 5,
      description: 'fewer results than this: too little history to judge',
    }),
    flaky_below: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.9,
      description: 'a check whose attempts passed less often than this share (but sometimes) is flaky',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type HealthHistoryPolicy = Static<typeof HealthHistorySchema>;

/** Rules across keys that JSON schema cannot say; each problem names the key. */
export function scheduleProblems(schedule: HealthSchedule): string[] {
  const problems: string[] = [];
  if (schedule.failure_threshold > schedule.attempts)
    problems.push(`failure_threshold (${schedule.failure_threshold}) is more than attempts (${schedule.attempts})`);
  if (schedule.success_threshold > schedule.attempts)
    problems.push(`success_threshold (${schedule.success_threshold}) is more than attempts (${schedule.attempts})`);
  if (schedule.backoff.max_ms < schedule.backoff.initial_ms)
    problems.push(`backoff.max_ms (${schedule.backoff.max_ms}) is less than backoff.initial_ms (${schedule.backoff.initial_ms})`);
  return problems;
}

/** The name a check is known by in reports and baselines. */
export function healthCheckName(check: Pick<HealthCheck, 'name' | 'probe'>, index: number): string {
  return check.name ?? `${check.probe}-${index + 1}`;
}

// ---- As written in policy files: every key with a default may be left out. ----

/** One `health_checks:` item as written in a policy file; the engine fills in the defaults (HealthCheckSchema). */
export const HealthCheckPolicySchema = Type.Object(
  {
    name: HealthCheckSchema.properties.name,
    probe: HealthCheckSchema.properties.probe,
    options: Type.Optional(HealthCheckSchema.properties.options),
    schedule: Type.Optional(
      Type.Partial(Type.Object({ ...HealthScheduleSchema.properties, backoff: Type.Partial(HealthBackoffSchema) }), {
        additionalProperties: false,
        description: 'warm-up, attempts, backoff and thresholds; every key optional (docs/health-checks.md)',
      }),
    ),
    gate: Type.Optional(
      Type.Partial(HealthGateSchema, {
        additionalProperties: false,
        description: 'what a failure after the update means: pre_existing (default ignore), on_warn (default ignore)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The `health_checks:` policy key (defaults and per container; a container's list replaces the defaults' list). */
export const HealthChecksPolicySchema = Type.Array(HealthCheckPolicySchema, {
  maxItems: 32,
  description: 'probes run before the update (baseline) and after it (gate); a container list replaces the defaults list',
});

/** A check with every default filled in, as the engine runs it. */
export function resolveHealthCheck(check: Static<typeof HealthCheckPolicySchema>): HealthCheck {
  return Value.Default(HealthCheckSchema, Value.Clone(check)) as HealthCheck;
}

/** A systemd unit name: the safe alphabet of unit names, with a type suffix. */
export const SystemdUnitSchema = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9:_.\\\\@-]*\\.(service|socket|target|timer|path|mount)$',
  maxLength: 256,
  description: 'a systemd unit, e.g. web-app.service',
});

/** The `restart:` policy key: what is restarted after an update and before the health checks. */
export const RestartPolicySchema = Type.Object(
  {
    units: Type.Optional(
      Type.Array(SystemdUnitSchema, {
        maxItems: 32,
        description: 'systemd units restarted (systemctl restart UNIT) inside the container, in order',
      }),
    ),
    when: Type.Optional(
      Type.Union([Type.Literal('changed'), Type.Literal('always')], {
        description: 'changed: only when the update changed something; always: after every applied update (default changed)',
      }),
    ),
    wait_active_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        description: 'seconds each unit may take to report active after its restart (default 60)',
      }),
    ),
  },
  { additionalProperties: false, description: 'services restarted after an update, before the health checks' },
);
export type RestartPolicy = Static<typeof RestartPolicySchema>;
