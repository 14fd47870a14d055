import { type Static, Type } from '@sinclair/typebox';

/** Fleet pacing and emergency stops (global.yml); used by the engine's start control. */

export const MaxRuntimeSchema = Type.Object(
  {
    run: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 604800,
        description: 'seconds after which no new container starts; in-flight ones finish (default none)',
      }),
    ),
    container: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 604800,
        description:
          'seconds one container may take; past it its pipeline is stopped and it is rolled back (default: the sum of its step limits)',
      }),
    ),
  },
  { additionalProperties: false, description: 'runtime limits beyond the per-step timeouts' },
);

export const KillSwitchFileSchema = Type.String({
  pattern: '^/',
  maxLength: 4096,
  description: 'a file whose presence stops the run at the next safe point (default: STOP in the config directory)',
});

export const JitterMsSchema = Type.Integer({
  minimum: 0,
  maximum: 600000,
  description: 'a random delay up to this many milliseconds before each container starts (default 0)',
});

export const MaxStartsPerMinuteSchema = Type.Integer({
  minimum: 1,
  maximum: 1000,
  description: 'at most this many container starts in any 60 s (default no limit)',
});

/** Pre-flight thresholds: when the host or a backup storage is too busy, containers wait before they start. */
export const PreflightSchema = Type.Object(
  {
    max_load: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100000,
        description:
          "the host's 1-minute load average above which no container starts; starts resume once it is below (default: 4 × the host's CPU count)",
      }),
    ),
    max_storage_used_percent: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        description:
          "use (%) of a container's backup storage (its rootfs storage for snapshots, vzdump_storage for archives) above which it does not start; it starts once use is below (default 90)",
      }),
    ),
    poll_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        description: 'seconds between checks while a container waits for load or storage (default 30)',
      }),
    ),
    give_up_after_s: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 86400,
        description: 'how long a container waits for load or storage to drop before it is skipped and reported (default 1800)',
      }),
    ),
    network: Type.Optional(
      Type.Boolean({
        description:
          "check from inside each container that its runners' package sources accept connections before anything changes (default true)",
      }),
    ),
    network_timeout_s: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 120, description: 'seconds for each package source connection check (default 5)' }),
    ),
  },
  { additionalProperties: false, description: 'pre-flight checks and backpressure thresholds' },
);
export type PreflightPolicy = Static<typeof PreflightSchema>;
