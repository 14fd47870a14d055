import { ContainerStatusSchema, type ErrorCode, type Static, Type, UpdateSchema } from './typebox.js';

export const ErrorInfoSchema = Type.Object(
  {
    step: Type.String(),
    runner: Type.Optional(Type.String()),
    code: Type.String(),
    message: Type.String(),
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
    outcome: ContainerOutcomeSchema,
    skipReason: Type.Optional(Type.String()),
    skipDetail: Type.Optional(Type.String()),
    error: Type.Optional(ErrorInfoSchema),
    runners: Type.Array(RunnerReportSchema),
    backup: Type.Optional(BackupReportSchema),
    rollback: Type.Optional(RollbackReportSchema),
    /** unrot's own snapshots/archives deleted by retention after this update */
    pruned: Type.Optional(Type.Array(Type.String())),
    pruneError: Type.Optional(Type.String()),
    /** Every changing command, as run (or, in dry-run, as it would run). */
    changingCommands: Type.Integer({ minimum: 0 }),
    durationMs: Type.Number({ minimum: 0 }),
    logFile: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ContainerReport = Static<typeof ContainerReportSchema>;
