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

/**
 * `gate.history`: how a check's recent baselines (its results just before each update, when
 * nothing had changed yet) tell a flaky probe from one the update broke.
 */
export const HealthHistorySchema = Type.Object(
  {
    window: Type.Integer({
      minimum: 1,
      maximum: 500,
      default: 20,
      description: 'judge the newest this many baselines of the check (2 × window results are kept on disk)',
    }),
    min_samples: Type.Integer({
      minimum: 1,
      maximum: 500,
      default: 5,
      description: 'fewer baselines than this: too little history to judge (unknown, treated like stable)',
    }),
    flaky_below: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.9,
      description: 'a check whose baseline attempts passed less often than this share (but sometimes) is flaky',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type HealthHistoryPolicy = Static<typeof HealthHistorySchema>;

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
    unreliable: Type.Union([Type.Literal('ignore'), Type.Literal('rollback')], {
      default: 'ignore',
      description:
        'a check whose recent baselines were flaky or failing and that fails after the update: keep the update and report it pre-existing (ignore) or roll back',
    }),
    history: HealthHistorySchema,
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
    options: Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), {
      default: {},
      maxProperties: 64,
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
      Type.Partial(Type.Object({ ...HealthGateSchema.properties, history: Type.Partial(HealthHistorySchema) }), {
        additionalProperties: false,
        description:
          'what a failure after the update means: pre_existing, on_warn, unreliable (each default ignore), history (flaky detection)',
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

/** An absolute path inside the container without shell, glob or control characters. */
const containerPath = (description: string) => Type.String({ pattern: '^/[A-Za-z0-9._/@+-]*$', maxLength: 1024, description });

/** argv[0] of a start command: a bare command name (found on the container's PATH) or an absolute path. */
export const RESTART_COMMAND_PATTERN = '^(/[A-Za-z0-9_.+@/-]+|[A-Za-z0-9_.+@][A-Za-z0-9_.+@-]*)$';

/** How unrot finds a process: exactly one key; each becomes one pgrep argv (no shell). */
export const ProcessMatchSchema = Type.Object(
  {
    pidfile: Type.Optional(containerPath('the process whose PID this file holds (pgrep -F FILE)')),
    cmdline: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 256,
        pattern: '^[^\\x00-\\x1f\\x7f]+$',
        description:
          'an extended regular expression matched against the whole command line (pgrep -f -- REGEX); anchor it with ^ so it matches only the application',
      }),
    ),
    comm: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.][A-Za-z0-9_.:+@-]{0,14}$',
        maxLength: 15,
        description: 'the exact process name as the kernel keeps it, at most 15 characters (pgrep -x -- NAME)',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: 'how to find the process: exactly one of pidfile, cmdline, comm',
  },
);
export type ProcessMatch = Static<typeof ProcessMatchSchema>;

export const StopSignalSchema = Type.Union(
  [
    Type.Literal('TERM'),
    Type.Literal('INT'),
    Type.Literal('HUP'),
    Type.Literal('QUIT'),
    Type.Literal('USR1'),
    Type.Literal('USR2'),
    Type.Literal('KILL'),
  ],
  { description: 'the signal that stops the process (kill -s SIGNAL PID…) (default TERM)' },
);

/** `restart.processes[]`: an application that runs without systemd (a launcher, a shell loop, an init script). */
export const RestartProcessSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]*$', maxLength: 64, description: 'names the process in reports and errors' }),
    match: ProcessMatchSchema,
    start: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4096, pattern: '^[^\\x00-\\x1f\\x7f]*$' }), {
        minItems: 1,
        maxItems: 64,
        description:
          'the command that starts it again, run inside the container without a shell; it must detach and return (start-stop-daemon --start --background …); leave it out when a supervisor starts the process again by itself',
      }),
    ),
    stop_signal: Type.Optional(StopSignalSchema),
    stop_timeout_s: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3600, description: 'seconds the old process may take to exit before it gets KILL (default 30)' }),
    ),
    wait_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        description: 'seconds the new process may take to appear (default restart.wait_active_s)',
      }),
    ),
    settle_s: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 600,
        description: 'the new process must still run this many seconds after it appeared (default 0)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RestartProcess = Static<typeof RestartProcessSchema>;

/** `restart.compose[]`: a docker compose (v2 plugin) project inside the container. */
export const RestartComposeSchema = Type.Object(
  {
    project_dir: containerPath('the project directory (docker compose --project-directory DIR)'),
    files: Type.Optional(
      Type.Array(containerPath('a compose file'), {
        maxItems: 8,
        description: "compose files, in order (--file F); default: the project directory's compose.yaml or docker-compose.yml",
      }),
    ),
    services: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 128 }), {
        maxItems: 64,
        description: 'only these services (default: every service of the project)',
      }),
    ),
    action: Type.Optional(
      Type.Union([Type.Literal('recreate'), Type.Literal('restart')], {
        description:
          'recreate: docker compose up --detach --force-recreate (new containers from the current compose file and local images); restart: docker compose restart (the same containers) (default recreate)',
      }),
    ),
    pull: Type.Optional(
      Type.Boolean({ description: 'docker compose pull first: fetches newer images, an update the plan cannot list (default false)' }),
    ),
    wait_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        description: 'seconds every service may take to run (and be healthy, if it has a healthcheck) (default restart.wait_active_s)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RestartCompose = Static<typeof RestartComposeSchema>;

/** The `restart:` policy key: what is restarted after an update and before the health checks. */
export const RestartPolicySchema = Type.Object(
  {
    units: Type.Optional(
      Type.Array(SystemdUnitSchema, {
        maxItems: 32,
        description: 'systemd units restarted (systemctl restart UNIT) inside the container, in order',
      }),
    ),
    processes: Type.Optional(
      Type.Array(RestartProcessSchema, {
        maxItems: 32,
        description: 'processes without systemd: signalled, then started again (or left to their supervisor), in order, after the units',
      }),
    ),
    compose: Type.Optional(
      Type.Array(RestartComposeSchema, {
        maxItems: 16,
        description: 'docker compose projects recreated (or restarted), in order, after the processes',
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
        description:
          'seconds each unit may take to report active after its restart; also the default wait_s of processes and compose projects (default 60)',
      }),
    ),
  },
  { additionalProperties: false, description: 'services restarted after an update, before the health checks' },
);
export type RestartPolicy = Static<typeof RestartPolicySchema>;

/** A rule JSON schema cannot state, with the key path below `restart` it is about. */
export interface RestartProblem {
  path: Array<string | number>;
  message: string;
  expected: string;
}

/** Rules across keys of one `restart:` block: unique names, a safe start command, a valid regular expression. */
export function restartProblems(restart: RestartPolicy): RestartProblem[] {
  const problems: RestartProblem[] = [];
  const names = new Map<string, number>();
  for (const [i, p] of (restart.processes ?? []).entries()) {
    const first = names.get(p.name);
    if (first !== undefined)
      problems.push({
        path: ['processes', i, 'name'],
        message: `process name '${p.name}' is used twice (first at item ${first + 1})`,
        expected: 'a unique name per process',
      });
    names.set(p.name, i);
    const command = p.start?.[0];
    if (command !== undefined && !new RegExp(RESTART_COMMAND_PATTERN).test(command))
      problems.push({
        path: ['processes', i, 'start', 0],
        message: `'${command}' cannot be a command`,
        expected: 'a command name or an absolute path (no option, no shell characters)',
      });
    if (p.match.cmdline !== undefined) {
      try {
        new RegExp(p.match.cmdline);
      } catch (error) {
        problems.push({
          path: ['processes', i, 'match', 'cmdline'],
          message: `not a regular expression: ${(error as Error).message}`,
          expected: 'an extended regular expression, as pgrep -f takes it',
        });
      }
    }
  }
  const dirs = new Map<string, number>();
  for (const [i, c] of (restart.compose ?? []).entries()) {
    const first = dirs.get(c.project_dir);
    if (first !== undefined)
      problems.push({
        path: ['compose', i, 'project_dir'],
        message: `project ${c.project_dir} is listed twice (first at item ${first + 1})`,
        expected: 'each compose project once',
      });
    dirs.set(c.project_dir, i);
  }
  return problems;
}
