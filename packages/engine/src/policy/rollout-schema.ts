import { type Static, Type } from '@sinclair/typebox';
import { DURATION_PATTERN } from './maintenance-schema.js';
import { selectorFields } from './selector-schema.js';

/** Staged rollouts (global.yml `rollout:`): ordered waves, canary pinning, soak, stop conditions. See docs/runbooks/staged-rollout.md. */

const WAVE_NAME = '^[a-z0-9][a-z0-9_-]{0,31}$';

export const WaveSchema = Type.Object(
  {
    name: Type.String({ pattern: WAVE_NAME, maxLength: 32, description: 'the wave name, unique, lower case (a-z, 0-9, _ and -)' }),
    ...selectorFields('join this wave'),
    rest: Type.Optional(
      Type.Boolean({ description: 'true: every selected container not in an earlier wave joins this wave (default false)' }),
    ),
    max_concurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 64,
        description: 'containers of this wave updated at the same time (default: global max_concurrency)',
      }),
    ),
    soak: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        minLength: 2,
        maxLength: 32,
        description:
          'after this wave updated containers, the next wave waits this long; a later run resumes once it is over and the health checks of those containers pass again (default: none, the next wave starts at once)',
      }),
    ),
    max_failures: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100000,
        description:
          'more failed or rolled-back containers than this in the wave halts the later waves (default 0; not checked when only max_failure_ratio is set)',
      }),
    ),
    max_failure_ratio: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          'a share of failed or rolled-back containers (of those that ran) above this halts the later waves; with max_failures, either one halts (default: not checked)',
      }),
    ),
    halt_on_rollback: Type.Optional(
      Type.Boolean({ description: 'any rollback in this wave halts the later waves, whatever max_failures says (default true)' }),
    ),
  },
  { additionalProperties: false, description: 'one wave: who is in it (tags, names, ids or rest) and when it stops the rollout' },
);
export type WavePolicy = Static<typeof WaveSchema>;

export const RolloutSchema = Type.Object(
  {
    waves: Type.Array(WaveSchema, {
      minItems: 1,
      maxItems: 32,
      description:
        'the waves, in order; a container in two waves belongs to the first; a selected container in no wave is not updated (add a last wave with rest: true)',
    }),
    pin_to_canary: Type.Optional(
      Type.Boolean({
        description:
          'later waves install only the package versions the first wave installed; any other version is withheld and reported (default true)',
      }),
    ),
  },
  { additionalProperties: false, description: 'staged rollout: containers are updated wave by wave, the first wave as the canary' },
);
export type RolloutPolicy = Static<typeof RolloutSchema>;

/** Defaults of a wave's stop conditions (docs and engine read them from here). */
export const WAVE_DEFAULTS = { max_failures: 0, halt_on_rollback: true } as const;
