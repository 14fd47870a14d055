import { type Static, Type } from '@sinclair/typebox';

/**
 * Per-runner caps (issue 17, point 4). They live beside `runners:`, never inside a runner's option
 * block: that block belongs to the plugin's own schema (additionalProperties: false, any key a
 * third party likes), so an engine key there would either be refused or collide with an option.
 */

const RUNNER_KEY = '^[a-z][a-z0-9-]*$';
/** The storage ids Proxmox accepts (pvesm), as backup.vzdump_storage. */
export const STORAGE_ID_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]*$';
const STORAGE_KEY = STORAGE_ID_PATTERN;

const stepLimit = (what: string) =>
  Type.Optional(
    Type.Integer({ minimum: 1, maximum: 86400, description: `seconds for each ${what} of this runner (default: \`timeouts.${what}\`)` }),
  );

/** One runner's own time limits and retries; what it leaves out comes from `timeouts` / `retries`. */
export const RunnerLimitSchema = Type.Object(
  {
    timeouts: Type.Optional(
      Type.Object(
        { detect: stepLimit('detect'), check: stepLimit('check'), plan: stepLimit('plan'), apply: stepLimit('apply') },
        {
          additionalProperties: false,
          description: "this runner's step time limits in seconds, overriding `timeouts.<step>` for its steps",
        },
      ),
    ),
    retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description: "extra attempts for this runner's check after a failure, overriding `retries` (default: `retries`)",
      }),
    ),
  },
  { additionalProperties: false, description: 'time limits and retries of one runner' },
);

export const RunnerLimitsSchema = Type.Record(Type.String({ pattern: RUNNER_KEY }), RunnerLimitSchema, {
  additionalProperties: false,
  maxProperties: 64,
  keyName: 'runner-id',
  description:
    'per runner id: its own step time limits and retries, overriding `timeouts` and `retries` for that runner (a container entry replaces the defaults entry of the same runner key by key)',
});
export type RunnerLimits = Static<typeof RunnerLimitsSchema>;

const cap = (what: string) =>
  Type.Integer({ minimum: 1, maximum: 64, description: `at most this many ${what} at the same time, across the whole run` });

/** Fleet-wide caps, enforced in the main thread for every worker (fleet/caps.ts). */
export const ConcurrencySchema = Type.Object(
  {
    per_runner: Type.Optional(
      Type.Record(
        Type.String({ pattern: RUNNER_KEY }),
        cap("containers in this runner's change section (their backup to their last apply)"),
        {
          additionalProperties: false,
          maxProperties: 64,
          keyName: 'runner-id',
          description:
            'per runner id: at most N containers in the change section of that runner (from their backup to the end of their applies) at once; others wait, the wait is reported (default: no cap)',
        },
      ),
    ),
    per_storage: Type.Optional(
      Type.Record(Type.String({ pattern: STORAGE_KEY }), cap('pre-update snapshots or vzdump backups on this storage'), {
        additionalProperties: false,
        maxProperties: 256,
        keyName: 'storage-id',
        description:
          'per Proxmox storage id: at most N pre-update snapshots (on the rootfs storage) or vzdump archives (on vzdump_storage) at once; others wait, the wait is reported (default: no cap)',
      }),
    ),
    per_node: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 64,
        description:
          'with host.cluster: at most N containers updated at the same time on each node (max_concurrency stays the cap for the whole cluster) (default: no cap per node)',
      }),
    ),
  },
  { additionalProperties: false, description: 'caps on parallel work beyond max_concurrency, across the fleet' },
);
export type ConcurrencyPolicy = Static<typeof ConcurrencySchema>;
