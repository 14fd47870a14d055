import { Type } from '@sinclair/typebox';

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
          'seconds one container may take; past it its worker is terminated and it is rolled back (default: the sum of its step limits)',
      }),
    ),
  },
  { additionalProperties: false, description: 'runtime limits beyond the per-step timeouts' },
);

export const KillSwitchFileSchema = Type.String({
  pattern: '^/',
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
