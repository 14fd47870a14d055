import { type Static, Type } from '@sinclair/typebox';

/** One wave in the run report: who is in it and what this run did with it. */
export const WaveReportSchema = Type.Object(
  {
    name: Type.String(),
    vmids: Type.Array(Type.Integer()),
    /**
     * done: ran and met no stop condition; halted: ran and met one; cut-short: a stop or
     * backpressure ended it (it runs again next time); done-earlier: finished in an earlier run of
     * this rollout; skipped: not started (halted, soaking or cut short before it; see detail);
     * planned: `unrot plan`.
     */
    status: Type.Union(['done', 'halted', 'cut-short', 'done-earlier', 'skipped', 'planned'].map((s) => Type.Literal(s))),
    ran: Type.Optional(Type.Integer({ minimum: 0 })),
    failed: Type.Optional(Type.Integer({ minimum: 0 })),
    rolledBack: Type.Optional(Type.Integer({ minimum: 0 })),
    detail: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type WaveReport = Static<typeof WaveReportSchema>;

/** The staged rollout of a run (global.yml `rollout:`); absent without one. */
export const RolloutReportSchema = Type.Object(
  {
    /** completed: every wave done; halted: a stop condition met (exit 5 unless a failure gives 1); soaking: waits for a soak; cut-short; planned. */
    status: Type.Union(['completed', 'halted', 'soaking', 'cut-short', 'planned'].map((s) => Type.Literal(s))),
    detail: Type.String(),
    waves: Type.Array(WaveReportSchema),
    /** Selected containers no wave takes: not updated. */
    unassigned: Type.Array(Type.Integer()),
    /** ISO 8601: when the soak in progress ends. */
    soakingUntil: Type.Optional(Type.String()),
    /** The canary's versions later waves are held to: per runner, per package. */
    pins: Type.Record(Type.String(), Type.Record(Type.String(), Type.Array(Type.String()))),
  },
  { additionalProperties: false },
);
export type RolloutReport = Static<typeof RolloutReportSchema>;
