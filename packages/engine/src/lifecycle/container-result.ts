import { type Static, Type } from '@sinclair/typebox';
import { ContainerStatusSchema, type ErrorCode, UpdateSchema } from '@unrot/sdk';

export const ErrorInfoSchema = Type.Object(
  {
    step: Type.String(),
    runner: Type.Optional(Type.String()),
    code: Type.String(),
    message: Type.String(),
    /**
     * When the failure came from a command: the last lines (at most 50) of its stdout, then its
     * stderr, so the package manager's own words (e.g. dpkg's "error processing archive") are kept.
     */
    output: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type ErrorInfo = Static<typeof ErrorInfoSchema> & { code: ErrorCode | string };

export const PlannedCommandSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    /** argv inside the container */
    argv: Type.Array(Type.String()),
    /** the exact argv run on the host (`pct exec VMID -- …`) */
    hostArgv: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type PlannedCommand = Static<typeof PlannedCommandSchema>;

export const RunnerReportSchema = Type.Object(
  {
    id: Type.String(),
    applicable: Type.Boolean(),
    reason: Type.Optional(Type.String()),
    updates: Type.Array(UpdateSchema),
    withheld: Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }, { additionalProperties: false })),
    plan: Type.Array(PlannedCommandSchema),
    changed: Type.Array(UpdateSchema),
    durationsMs: Type.Record(Type.String(), Type.Number()),
  },
  { additionalProperties: false },
);
export type RunnerReport = Static<typeof RunnerReportSchema>;

export const BackupReportSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('snapshot'), Type.Literal('vzdump')]),
    /** true in a dry-run: what would be taken */
    planned: Type.Boolean(),
    name: Type.Optional(Type.String()),
    archive: Type.Optional(Type.String()),
    hostArgv: Type.Optional(Type.Array(Type.String())),
    durationMs: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const RollbackReportSchema = Type.Object(
  {
    /** what triggered it: the failing code and message */
    reason: Type.String(),
    kind: Type.Union([Type.Literal('snapshot'), Type.Literal('vzdump')]),
    /** snapshot name or archive path restored */
    to: Type.String(),
    /** running again afterwards, as before the update */
    running: Type.Boolean(),
    durationMs: Type.Number({ minimum: 0 }),
    /** set when the rollback itself failed */
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const HealthAttemptReportSchema = Type.Object(
  {
    ok: Type.Boolean(),
    durationMs: Type.Number({ minimum: 0 }),
    detail: Type.String(),
    /** ISO 8601 time the attempt started */
    startedAt: Type.String(),
  },
  { additionalProperties: false },
);

export const HealthPhaseReportSchema = Type.Object(
  {
    outcome: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
    summary: Type.String(),
    warnings: Type.Array(Type.Union([Type.Literal('recovered'), Type.Literal('slow')])),
    /** every attempt of the schedule, with its timing */
    attempts: Type.Array(HealthAttemptReportSchema),
  },
  { additionalProperties: false },
);

/** How reliable a check has been: its newest baselines (results just before updates). */
export const HealthHistoryReportSchema = Type.Object(
  {
    /** unknown (too few samples), stable, flaky (attempts often fail), failing (no baseline passed) */
    class: Type.Union([Type.Literal('unknown'), Type.Literal('stable'), Type.Literal('flaky'), Type.Literal('failing')]),
    /** baselines judged (at most gate.history.window) */
    samples: Type.Integer({ minimum: 0 }),
    /** share of those baselines that passed (pass or warn) */
    outcomeRate: Type.Number({ minimum: 0, maximum: 1 }),
    /** share of their single attempts that passed */
    attemptRate: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

/** One health check of a container: its baseline before the update, its outcome after, the gate's verdict. */
export const HealthCheckReportSchema = Type.Object(
  {
    name: Type.String(),
    probe: Type.String(),
    baseline: Type.Optional(HealthPhaseReportSchema),
    /** why the baseline could not run (then a failure after the update is blamed on the update) */
    baselineError: Type.Optional(Type.String()),
    after: Type.Optional(HealthPhaseReportSchema),
    verdict: Type.Optional(Type.Union([Type.Literal('healthy'), Type.Literal('pre-existing'), Type.Literal('regressed')])),
    /** true when this check's verdict rolled the update back */
    rollback: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Type.String()),
    /** the check's recent baselines (gate.history), as the gate judged them */
    history: Type.Optional(HealthHistoryReportSchema),
  },
  { additionalProperties: false },
);

/** A command of a restart: inside the container (argv) and as run on the host (hostArgv). */
export const RestartCommandReportSchema = Type.Object(
  { argv: Type.Array(Type.String()), hostArgv: Type.Array(Type.String()) },
  { additionalProperties: false },
);

/** One `restart.processes` entry: how it is found, stopped and started, and what happened. */
export const ProcessRestartReportSchema = Type.Object(
  {
    name: Type.String(),
    /** how the process is found, e.g. "cmdline '^/opt/app/venv/bin/python '" */
    match: Type.String(),
    /** read-only: lists the matching PIDs */
    find: RestartCommandReportSchema,
    /** stops them; <pids> stands for the PIDs found */
    stop: RestartCommandReportSchema,
    /** starts it again; absent when a supervisor does */
    start: Type.Optional(RestartCommandReportSchema),
    oldPids: Type.Optional(Type.Array(Type.Integer())),
    newPids: Type.Optional(Type.Array(Type.Integer())),
    /** the old process needed KILL after stop_timeout_s */
    escalated: Type.Optional(Type.Boolean()),
    /** running, or failed (absent when it did not run) */
    state: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('failed')])),
    /** why it failed */
    detail: Type.Optional(Type.String()),
    durationMs: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** One `restart.compose` entry: the commands, the wait, and each container's state afterwards. */
export const ComposeRestartReportSchema = Type.Object(
  {
    projectDir: Type.String(),
    action: Type.Union([Type.Literal('recreate'), Type.Literal('restart')]),
    /** as configured; empty means every service of the project */
    services: Type.Array(Type.String()),
    /** the changing commands, in order (pull, then up or restart) */
    commands: Type.Array(RestartCommandReportSchema),
    /** read-only: polled until every service runs */
    wait: RestartCommandReportSchema,
    state: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('failed')])),
    containers: Type.Optional(
      Type.Array(
        Type.Object(
          { service: Type.String(), name: Type.String(), state: Type.String(), health: Type.String(), exitCode: Type.Integer() },
          { additionalProperties: false },
        ),
      ),
    ),
    detail: Type.Optional(Type.String()),
    durationMs: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** Policy `restart`: the units, processes and compose projects restarted after the update (or, in a plan, that would be). */
export const RestartReportSchema = Type.Object(
  {
    when: Type.Union([Type.Literal('changed'), Type.Literal('always')]),
    /** true in a dry-run: what would run after the update */
    planned: Type.Boolean(),
    /** set when nothing was restarted, with the reason */
    skipped: Type.Optional(Type.String()),
    units: Type.Array(
      Type.Object(
        {
          unit: Type.String(),
          argv: Type.Array(Type.String()),
          hostArgv: Type.Array(Type.String()),
          /** systemctl is-active after the restart (absent when it did not run) */
          state: Type.Optional(Type.String()),
          durationMs: Type.Optional(Type.Number({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** policy `exclusions.services`: units `restart.units` names that were not restarted (excluded) */
    excluded: Type.Optional(Type.Array(Type.String())),
    /** policy `restart.processes`: processes without systemd */
    processes: Type.Optional(Type.Array(ProcessRestartReportSchema)),
    /** policy `restart.compose`: docker compose projects */
    compose: Type.Optional(Type.Array(ComposeRestartReportSchema)),
  },
  { additionalProperties: false },
);

/** One hook command (pre_update, post_update, on_rollback, on_failure): as run, or (in a plan) as it would run. */
export const HookReportSchema = Type.Object(
  {
    argv: Type.Array(Type.String()),
    hostArgv: Type.Array(Type.String()),
    planned: Type.Boolean(),
    /** 'host' for a `where: host` hook (hostArgv is then its own argv) */
    where: Type.Optional(Type.Literal('host')),
    exitCode: Type.Optional(Type.Integer()),
    durationMs: Type.Optional(Type.Number({ minimum: 0 })),
    /** a pre_update hook exited 75: the container was skipped (reason vetoed) */
    vetoed: Type.Optional(Type.Boolean()),
    /** on_rollback / on_failure: why the hook failed (a warning; the outcome stays) */
    warning: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * Policy `exclusions.paths`: the guarded files and their state (`sha256:HEX`, `absent`, `directory`,
 * `special`, `broken-link`, `unreadable`) right before the runners applied and right after.
 */
export const GuardedPathsReportSchema = Type.Object(
  {
    /** true in a dry-run: the paths that would be guarded (nothing was read) */
    planned: Type.Boolean(),
    paths: Type.Array(
      Type.Object(
        { path: Type.String(), before: Type.Optional(Type.String()), after: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Pre-flight findings that held the container back or were checked before it started. */
export const PreflightReportSchema = Type.Object(
  {
    /** The backup storage and its use (pvesm status) */
    storage: Type.Optional(
      Type.Object(
        { name: Type.String(), usedPercent: Type.Union([Type.Number(), Type.Null()]), limitPercent: Type.Number() },
        { additionalProperties: false },
      ),
    ),
    /** Milliseconds the container waited for host load or storage use to drop before it started */
    waitedMs: Type.Optional(Type.Number({ minimum: 0 })),
    /** Each package source, checked from inside the container */
    sources: Type.Optional(
      Type.Array(
        Type.Object(
          {
            runner: Type.String(),
            host: Type.String(),
            port: Type.Integer(),
            origin: Type.String(),
            result: Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('unverifiable')]),
            detail: Type.String(),
            durationMs: Type.Number({ minimum: 0 }),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export const ContainerOutcomeSchema = Type.Union([
  Type.Literal('updated'),
  Type.Literal('rolled-back'),
  Type.Literal('nothing-to-do'),
  Type.Literal('planned'),
  Type.Literal('skipped'),
  Type.Literal('failed'),
]);

export const ContainerReportSchema = Type.Object(
  {
    vmid: Type.Integer(),
    name: Type.String(),
    status: ContainerStatusSchema,
    unprivileged: Type.Boolean(),
    tags: Type.Array(Type.String()),
    /** a cluster run (host.cluster): the node the container was listed on */
    node: Type.Optional(Type.String()),
    /** a cluster run: ISO 8601 UTC time its pipeline started (with durationMs: when it ran on its node) */
    startedAt: Type.Optional(Type.String()),
    outcome: ContainerOutcomeSchema,
    skipReason: Type.Optional(Type.String()),
    skipDetail: Type.Optional(Type.String()),
    /** when skipped: benign, cut-short (exit 5) or attention (needs an operator; exit 6) — docs/exit-codes.md */
    skipClass: Type.Optional(Type.Union([Type.Literal('benign'), Type.Literal('cut-short'), Type.Literal('attention')])),
    error: Type.Optional(ErrorInfoSchema),
    runners: Type.Array(RunnerReportSchema),
    backup: Type.Optional(BackupReportSchema),
    rollback: Type.Optional(RollbackReportSchema),
    /** unrot's own snapshots/archives deleted by retention after this update */
    pruned: Type.Optional(Type.Array(Type.String())),
    pruneError: Type.Optional(Type.String()),
    /** pre-flight: backup storage use, backpressure wait, package sources reached */
    preflight: Type.Optional(PreflightReportSchema),
    /** global `concurrency:` caps: each time the container waited for one before the work it limits (a wait, never a failure) */
    capWaits: Type.Optional(
      Type.Array(
        Type.Object(
          { caps: Type.Array(Type.String()), step: Type.String(), waitedMs: Type.Number({ minimum: 0 }) },
          { additionalProperties: false },
        ),
      ),
    ),
    /** policy `pre_update` / `post_update` / `on_rollback` / `on_failure` hooks */
    hooks: Type.Optional(
      Type.Object(
        {
          preUpdate: Type.Array(HookReportSchema),
          postUpdate: Type.Array(HookReportSchema),
          onRollback: Type.Optional(Type.Array(HookReportSchema)),
          onFailure: Type.Optional(Type.Array(HookReportSchema)),
        },
        { additionalProperties: false },
      ),
    ),
    /** policy `restart`: units, processes and compose projects restarted after the update */
    restart: Type.Optional(RestartReportSchema),
    /** policy `exclusions.paths`: each guarded file's state before and after the runners applied */
    guardedPaths: Type.Optional(GuardedPathsReportSchema),
    /** policy `health_checks`: baseline, outcome after the update and verdict per check */
    health: Type.Optional(Type.Array(HealthCheckReportSchema)),
    /** Every changing command, as run (or, in dry-run, as it would run). */
    changingCommands: Type.Integer({ minimum: 0 }),
    durationMs: Type.Number({ minimum: 0 }),
    logFile: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ContainerReport = Static<typeof ContainerReportSchema>;
