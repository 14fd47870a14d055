import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { UnrotError } from '@unrot/sdk';
import type { RolloutPolicy } from '../policy/rollout-schema.js';
import { readJson, readStateFile, writeJson } from '../safety/state-files.js';
import { schemaProblem } from '../safety/state-schemas.js';

// The rollout's progress between runs (<state_dir>/rollout-state.json): which wave the next run
// starts with, a soak in progress, and the canary's package versions. Written atomically (0600);
// read as untrusted input: a file that is not exactly this shape is quarantined, never acted on.

export const ROLLOUT_STATE_SCHEMA_ID = 'unrot.rollout-state/v1';

const ISO_TIME = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$';
/** Package names and versions as runners report them: printable, no spaces, bounded. */
const TOKEN = '^[A-Za-z0-9@._+/*:~^=-]{1,214}$';

const VersionList = Type.Array(Type.String({ pattern: TOKEN, maxLength: 214 }), { minItems: 1, maxItems: 16 });

export const RolloutStateSchema = Type.Object(
  {
    schema: Type.Literal(ROLLOUT_STATE_SCHEMA_ID),
    /** sha256 of the `rollout:` block this progress belongs to; another block starts afresh. */
    configHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** The wave (index) the next run starts with. */
    resumeAt: Type.Integer({ minimum: 0, maximum: 31 }),
    /** Set while a wave soaks: the next wave waits until `until` and the wave's health checks pass again. */
    soak: Type.Optional(
      Type.Object(
        {
          wave: Type.Integer({ minimum: 0, maximum: 31 }),
          until: Type.String({ pattern: ISO_TIME, maxLength: 40 }),
          /** The containers the wave updated: their health checks re-run when the soak ends. */
          vmids: Type.Array(Type.Integer({ minimum: 100, maximum: 999_999_999 }), { maxItems: 10_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Per runner id, per package name: the versions the canary wave installed. */
    pins: Type.Record(
      Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
      Type.Record(Type.String({ pattern: TOKEN, maxLength: 214 }), VersionList, { maxProperties: 10_000 }),
      { maxProperties: 64 },
    ),
    updatedAt: Type.String({ pattern: ISO_TIME, maxLength: 40 }),
  },
  { additionalProperties: false },
);
export type RolloutState = Static<typeof RolloutStateSchema>;
export type CanaryPins = RolloutState['pins'];

export function rolloutStateFile(stateDir: string): string {
  return join(stateDir, 'rollout-state.json');
}

/** The hash a state file must carry to belong to this `rollout:` block (key order as written in global.yml). */
export function rolloutConfigHash(rollout: RolloutPolicy): string {
  return createHash('sha256').update(JSON.stringify(rollout)).digest('hex');
}

/** A fresh rollout: the first wave next, no soak; pins carried over when given. */
export function freshState(rollout: RolloutPolicy, now: Date, pins: CanaryPins = {}): RolloutState {
  return { schema: ROLLOUT_STATE_SCHEMA_ID, configHash: rolloutConfigHash(rollout), resumeAt: 0, pins, updatedAt: now.toISOString() };
}

function stateProblem(state: RolloutState, waves: number): string | undefined {
  if (state.resumeAt >= waves) return `/resumeAt: wave ${state.resumeAt} does not exist`;
  if (state.soak && state.soak.wave >= waves) return `/soak/wave: wave ${state.soak.wave} does not exist`;
  if (state.soak && state.soak.wave + 1 !== state.resumeAt) return '/soak/wave: not the wave before resumeAt';
  if (state.soak && Number.isNaN(Date.parse(state.soak.until))) return '/soak/until: not a time';
  return undefined;
}

/**
 * The rollout's progress for a real run. No file: a fresh rollout. A file for another `rollout:`
 * block: a fresh rollout too (the caller logs it). A file that is not unrot's format, not a
 * regular file, not ours, or names waves that do not exist: quarantined and E_STATE_INVALID,
 * so the run does not guess where the rollout stands (the next run starts afresh).
 */
export async function loadRolloutState(
  stateDir: string,
  rollout: RolloutPolicy,
  now: Date,
): Promise<{ state: RolloutState; carried: boolean }> {
  const path = rolloutStateFile(stateDir);
  const read = await readStateFile<RolloutState>(stateDir, path, RolloutStateSchema, (s) => stateProblem(s, rollout.waves.length));
  if (read.quarantined)
    throw new UnrotError(
      'E_STATE_INVALID',
      `${path} is not a valid rollout state (${read.quarantined.reason}); moved to ${read.quarantined.to}. Nothing was updated; the next run starts the rollout at its first wave`,
      { file: path, quarantined: read.quarantined.to },
    );
  if (!read.value) return { state: freshState(rollout, now), carried: false };
  if (read.value.configHash !== rolloutConfigHash(rollout)) return { state: freshState(rollout, now), carried: false };
  return { state: read.value, carried: true };
}

/** For `unrot plan`: the same checks, but a bad file is only described (a plan moves nothing). */
export async function peekRolloutState(stateDir: string, rollout: RolloutPolicy): Promise<{ state?: RolloutState; problem?: string }> {
  let value: unknown;
  try {
    value = await readJson<unknown>(rolloutStateFile(stateDir));
  } catch {
    return { problem: 'not valid JSON or not readable' };
  }
  if (value === undefined) return {};
  const problem = schemaProblem(RolloutStateSchema, value) ?? stateProblem(value as RolloutState, rollout.waves.length);
  if (problem) return { problem };
  const state = value as RolloutState;
  return state.configHash === rolloutConfigHash(rollout) ? { state } : {};
}

export async function saveRolloutState(stateDir: string, state: RolloutState): Promise<void> {
  await writeJson(rolloutStateFile(stateDir), state);
}
