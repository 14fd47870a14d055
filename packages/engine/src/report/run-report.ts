import { type Static, Type } from '@sinclair/typebox';
import { ContainerReportSchema } from '../lifecycle/container-result.js';
import { DeliveryResultSchema } from '../notify/dispatch.js';
import { RolloutReportSchema } from '../rollout/rollout-report.js';

export const REPORT_SCHEMA_ID = 'unrot.run-report/v1';

/** The consolidated run report. Versioned: a breaking change gets a new `schema` id. See docs/report-format.md. */
export const RunReportSchema = Type.Object(
  {
    schema: Type.Literal(REPORT_SCHEMA_ID),
    runId: Type.String(),
    dryRun: Type.Boolean(),
    startedAt: Type.String({ description: 'ISO 8601 UTC' }),
    finishedAt: Type.String({ description: 'ISO 8601 UTC' }),
    durationMs: Type.Number({ minimum: 0 }),
    unrotVersion: Type.String(),
    host: Type.Object({ node: Type.String(), hostname: Type.String() }, { additionalProperties: false }),
    configDir: Type.String(),
    selection: Type.Object(
      { cts: Type.Array(Type.Integer()), tags: Type.Array(Type.String()) },
      { additionalProperties: false, description: 'partial fleet asked for on the command line' },
    ),
    exitCode: Type.Integer(),
    summary: Type.Object(
      {
        containers: Type.Integer({ minimum: 0 }),
        updated: Type.Integer({ minimum: 0 }),
        rolledBack: Type.Integer({ minimum: 0 }),
        /** containers not started or stopped before any change by the kill switch or max_runtime.run */
        cutShort: Type.Optional(Type.Integer({ minimum: 0 })),
        /** skipped containers that need an operator (skipClass attention; exit 6 when nothing failed) */
        needsAttention: Type.Optional(Type.Integer({ minimum: 0 })),
        nothingToDo: Type.Integer({ minimum: 0 }),
        planned: Type.Integer({ minimum: 0 }),
        skipped: Type.Integer({ minimum: 0 }),
        failed: Type.Integer({ minimum: 0 }),
        packagesChanged: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    containers: Type.Array(ContainerReportSchema),
    /** What this run found left behind by an interrupted earlier run, and what it did about it. */
    recoveries: Type.Array(
      Type.Object(
        {
          vmid: Type.Integer(),
          runId: Type.String(),
          step: Type.String(),
          action: Type.Union([Type.Literal('none'), Type.Literal('rolled-back'), Type.Literal('resumed'), Type.Literal('failed')]),
          detail: Type.String(),
          to: Type.Optional(Type.String()),
          error: Type.Optional(Type.String()),
          /** the Proxmox lock the container still carries (e.g. snapshot, backup, rollback) */
          lock: Type.Optional(Type.String()),
          /** true when an operator must act (a lock left by unrot's interrupted step): exit 6 at least */
          attention: Type.Optional(Type.Boolean()),
          /** what to do, command by command (docs/runbooks/rollback.md) */
          remedy: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    logDir: Type.String(),
    /**
     * One entry per configured sink: how the run's notification went. Empty for `unrot plan`
     * (dry-runs do not notify) and when no sink is configured. Optional only so that v1
     * reports written before notifications existed stay valid; every run now writes it.
     */
    notifications: Type.Optional(Type.Array(DeliveryResultSchema)),
    /** Group files (containers/<name>.yml with selectors) and the listed containers each applied to; `vmids: []` matched none. */
    groups: Type.Optional(
      Type.Array(Type.Object({ file: Type.String(), vmids: Type.Array(Type.Integer()) }, { additionalProperties: false })),
    ),
    /** The staged rollout (global.yml `rollout:`): its waves, who is in each, and where it stands. */
    rollout: Type.Optional(RolloutReportSchema),
    /** Set when the run itself ended in an error (exit code 2, 3 or 70): then `containers` is empty. */
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type RunReport = Static<typeof RunReportSchema>;
