import { type Static, Type } from '@sinclair/typebox';
import type { RunReport } from './run-report.js';

export const CHANGES_SCHEMA_ID = 'unrot.change-report/v1';

const ChangeSchema = Type.Object(
  {
    runner: Type.String(),
    name: Type.String(),
    from: Type.Union([Type.String(), Type.Null()]),
    to: Type.String(),
    scope: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** The audit record of one real run: what changed where, from which backup it can be undone, by whom, when. */
export const ChangeReportSchema = Type.Object(
  {
    schema: Type.Literal(CHANGES_SCHEMA_ID),
    runId: Type.String(),
    node: Type.String(),
    startedAt: Type.String(),
    finishedAt: Type.String(),
    who: Type.Object(
      {
        /** The person behind sudo (SUDO_USER), else the user (USER), else the numeric uid. */
        user: Type.String(),
        /** timer, cron or manual (UNROT_TRIGGER; manual when unset). */
        trigger: Type.String(),
      },
      { additionalProperties: false },
    ),
    containers: Type.Array(
      Type.Object(
        {
          vmid: Type.Integer(),
          name: Type.String(),
          outcome: Type.String(),
          /** Packages as changed by apply; after a rollback they are undone (see rollback). */
          changes: Type.Array(ChangeSchema),
          backup: Type.Optional(
            Type.Object(
              { kind: Type.String(), name: Type.Optional(Type.String()), archive: Type.Optional(Type.String()) },
              { additionalProperties: false },
            ),
          ),
          rollback: Type.Optional(
            Type.Object(
              { kind: Type.String(), to: Type.String(), reason: Type.String(), error: Type.Optional(Type.String()) },
              { additionalProperties: false },
            ),
          ),
          error: Type.Optional(Type.Object({ step: Type.String(), code: Type.String() }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ChangeReport = Static<typeof ChangeReportSchema>;

export interface Actor {
  user: string;
  trigger: string;
}

/** Who started this run, from the environment a shell, sudo, cron or the systemd unit gives it. */
export function currentActor(env: NodeJS.ProcessEnv = process.env): Actor {
  const user = env['SUDO_USER'] || env['USER'] || env['LOGNAME'] || (process.getuid ? `uid ${process.getuid()}` : 'unknown');
  const trigger = env['UNROT_TRIGGER'] || 'manual';
  return { user, trigger };
}

/**
 * Containers the run changed or tried to change (an update, a rollback, a backup taken, a
 * changing command run); containers with nothing to do, skipped or failed before any change
 * are left out.
 */
export function buildChangeReport(report: RunReport, actor: Actor): ChangeReport {
  const containers: ChangeReport['containers'] = [];
  for (const c of report.containers) {
    const changes = c.runners.flatMap((r) =>
      r.changed.map((u) => ({ runner: r.id, name: u.name, from: u.from ?? null, to: u.to, ...(u.scope ? { scope: u.scope } : {}) })),
    );
    const backup = c.backup && !c.backup.planned ? c.backup : undefined;
    // A failure after a changing command ran may have changed packages the runner could not read back.
    if (changes.length === 0 && !backup && !c.rollback && c.outcome !== 'updated' && c.changingCommands === 0) continue;
    containers.push({
      vmid: c.vmid,
      name: c.name,
      outcome: c.outcome,
      changes,
      ...(backup
        ? {
            backup: {
              kind: backup.kind,
              ...(backup.name ? { name: backup.name } : {}),
              ...(backup.archive ? { archive: backup.archive } : {}),
            },
          }
        : {}),
      ...(c.rollback
        ? {
            rollback: {
              kind: c.rollback.kind,
              to: c.rollback.to,
              reason: c.rollback.reason,
              ...(c.rollback.error ? { error: c.rollback.error } : {}),
            },
          }
        : {}),
      ...(c.error ? { error: { step: c.error.step, code: c.error.code } } : {}),
    });
  }
  return {
    schema: CHANGES_SCHEMA_ID,
    runId: report.runId,
    node: report.host.node,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    who: { user: actor.user, trigger: actor.trigger },
    containers,
  };
}
