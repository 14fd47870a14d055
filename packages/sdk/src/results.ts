import { type Static, Type } from '@sinclair/typebox';

/** One pending or applied package change. `from` is null for a package newly installed. */
export const UpdateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    from: Type.Union([Type.String(), Type.Null()]),
    to: Type.String({ minLength: 1 }),
    /** Where the package lives: a venv path, a project directory, "system", … */
    scope: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
/** See UpdateSchema. */
export type Update = Static<typeof UpdateSchema>;

/** One command `apply` will run, exactly as it will run inside the container. */
export const PlanStepSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    title: Type.String(),
    argv: Type.Array(Type.String(), { minItems: 1 }),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Updates this step is expected to apply. */
    updates: Type.Array(UpdateSchema),
  },
  { additionalProperties: false },
);
/** See PlanStepSchema. */
export type PlanStep = Static<typeof PlanStepSchema>;

/** Runner.detect's answer: does the ecosystem exist in this container, and if not, why. */
export const DetectResultSchema = Type.Object(
  { applicable: Type.Boolean(), reason: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
/** See DetectResultSchema. */
export type DetectResult = Static<typeof DetectResultSchema>;

/** Runner.check's answer: the pending updates, and those withheld with a reason. */
export const CheckResultSchema = Type.Object(
  {
    updates: Type.Array(UpdateSchema),
    /** Updates found but left out, with why (an exclusion, a pin, a major bump not allowed). */
    withheld: Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
/** See CheckResultSchema. */
export type CheckResult = Static<typeof CheckResultSchema>;

/** How one plan step ran: its argv, exit code and duration. */
export const StepOutcomeSchema = Type.Object(
  {
    id: Type.String(),
    argv: Type.Array(Type.String()),
    exitCode: Type.Integer(),
    durationMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
/** See StepOutcomeSchema. */
export type StepOutcome = Static<typeof StepOutcomeSchema>;

/** Runner.apply's answer: what changed (read back, not assumed) and how each step ran. */
export const ApplyResultSchema = Type.Object(
  {
    /** What actually changed, read back from the package manager after the steps ran. */
    changed: Type.Array(UpdateSchema),
    steps: Type.Array(StepOutcomeSchema),
  },
  { additionalProperties: false },
);
/** See ApplyResultSchema. */
export type ApplyResult = Static<typeof ApplyResultSchema>;
