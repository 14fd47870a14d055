import { type Static, Type } from '@sinclair/typebox';
import { ConcurrencySchema, RunnerLimitsSchema } from './caps-schema.js';
import {
  AllowUnlistedCommandsSchema,
  CommandAllowlistSchema,
  OnFailureHooksSchema,
  OnRollbackHooksSchema,
  PostUpdateHooksSchema,
  PreUpdateHooksSchema,
} from './commands-schema.js';
import { ExcludedPathsSchema, ExcludedServicesSchema } from './exclusions-schema.js';
import { JitterMsSchema, KillSwitchFileSchema, MaxRuntimeSchema, MaxStartsPerMinuteSchema, PreflightSchema } from './fleet-schema.js';
import { HealthChecksPolicySchema, RestartPolicySchema } from './health-schema.js';
import { HostAccessSchema } from './host-schema.js';
import { ContainerRiskSchema, MaintenancePolicySchema } from './maintenance-schema.js';
import { NotificationsListSchema, PrometheusTextfileSchema, SecretsFilesSchema } from './notifications-schema.js';
import { RolloutSchema } from './rollout-schema.js';

/** Policy files are YAML with snake_case keys; these schemas are the single source of truth
 * for validation and for docs/config-reference.md (a test keeps the two in sync). */

export const VmidSchema = Type.Integer({ minimum: 100, maximum: 999999999, description: 'a Proxmox VMID (100–999999999)' });

/** Debian/RPM/npm/PyPI names share this safe alphabet; anything else is refused before it can reach argv. */
export const PackagePatternSchema = Type.String({
  pattern: '^[A-Za-z0-9@][A-Za-z0-9@._+/*:-]*$',
  maxLength: 214,
  description: 'a package name, optionally with * wildcards',
});

export const TimeoutsSchema = Type.Object(
  {
    preflight: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for pre-flight checks (default 30)' })),
    detect: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for detecting each runner (default 60)' })),
    check: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for each runner check (default 600)' })),
    plan: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for each runner plan (default 60)' })),
    apply: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for each runner apply (default 3600)' })),
    backup: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for the pre-update snapshot or vzdump (default 1800)' }),
    ),
    verify: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for post-update verification (default 600)' })),
    rollback: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds for a rollback or restore (default 1800)' })),
  },
  { additionalProperties: false, description: 'per-step time limits in seconds' },
);

export const ExclusionsSchema = Type.Object(
  {
    packages: Type.Optional(Type.Array(PackagePatternSchema, { maxItems: 1000, description: 'package names or * globs never updated' })),
    paths: Type.Optional(ExcludedPathsSchema),
    services: Type.Optional(ExcludedServicesSchema),
  },
  {
    additionalProperties: false,
    description: 'what unrot never updates (packages), never lets an update change (paths) and never restarts (services)',
  },
);

/** A runner id as plugins declare them (Runner.id); `runners:` keys and `rollback.critical` use it too. */
export const RUNNER_ID_PATTERN = '^[a-z][a-z0-9-]*$';

/** Not a closed list: any installed runner whose kind is `os`, checked against the installed plugins after the schema. */
export const OsRunnerSchema = Type.String({
  pattern: RUNNER_ID_PATTERN,
  maxLength: 64,
  description: 'the distribution package manager: the id of an installed os runner (kind os, e.g. apt), or none',
});

/** `runners:` holds `os:` plus one key per app runner (its options, validated by the plugin's schema). */
export const RunnersSchema = Type.Object(
  {
    os: Type.Optional(OsRunnerSchema),
  },
  {
    maxProperties: 64,
    additionalProperties: Type.Object(
      {},
      { additionalProperties: true, maxProperties: 64, description: 'options of an installed runner plugin' },
    ),
    description:
      'which runners apply: `os` picks the distribution runner, the key named like it holds its options, every other key enables that app runner with its options',
  },
);

export const TargetsSchema = Type.Object(
  {
    tags: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_+.-]*$', maxLength: 128 }), {
        maxItems: 256,
        description: 'select containers carrying any of these Proxmox tags',
      }),
    ),
    names: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 1000,
        description: 'select containers whose name matches any of these globs (* and ?)',
      }),
    ),
    allow: Type.Optional(Type.Array(VmidSchema, { maxItems: 10000, description: 'always select these VMIDs' })),
    deny: Type.Optional(Type.Array(VmidSchema, { maxItems: 10000, description: 'never select these VMIDs (wins over everything)' })),
  },
  {
    additionalProperties: false,
    description: 'which containers a run considers; with no tags, names or allow, every container is selected',
  },
);

export const BACKUP_MODES = ['snapshot', 'vzdump', 'none'] as const;

/** What is taken before any change; nothing is taken when the plan is empty. */
export const BackupSchema = Type.Object(
  {
    mode: Type.Optional(
      Type.Union(
        BACKUP_MODES.map((m) => Type.Literal(m)),
        { description: 'snapshot (pct snapshot), vzdump (a backup archive) or none (default snapshot)' },
      ),
    ),
    on_unsupported: Type.Optional(
      Type.Union([Type.Literal('vzdump'), Type.Literal('skip')], {
        description: 'when the storage cannot snapshot: fall back to vzdump, or skip the container with the reason (default skip)',
      }),
    ),
    keep: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description: "how many of unrot's own snapshots/archives to keep per container (default 3)",
      }),
    ),
    vzdump_storage: Type.Optional(
      Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]*$', maxLength: 128, description: 'storage ID for vzdump archives (default local)' }),
    ),
    vzdump_mode: Type.Optional(
      Type.Union([Type.Literal('snapshot'), Type.Literal('suspend'), Type.Literal('stop')], {
        description: 'vzdump --mode (default snapshot)',
      }),
    ),
    vzdump_compress: Type.Optional(
      Type.Union([Type.Literal('zstd'), Type.Literal('gzip'), Type.Literal('lzo'), Type.Literal('0')], {
        description: 'vzdump --compress (default zstd)',
      }),
    ),
  },
  { additionalProperties: false, description: 'the backup taken before a container is changed' },
);

/** When unrot puts a container back to its pre-update backup. */
export const RollbackSchema = Type.Object(
  {
    on_failure: Type.Optional(
      Type.Boolean({ description: 'roll back automatically when a critical runner fails after changing the container (default true)' }),
    ),
    critical: Type.Optional(
      Type.Array(Type.String({ pattern: RUNNER_ID_PATTERN, maxLength: 64 }), {
        maxItems: 64,
        description: 'runner ids whose failure triggers a rollback; default: every runner of the container',
      }),
    ),
    on_interrupt: Type.Optional(
      Type.Union([Type.Literal('rollback'), Type.Literal('verify')], {
        description: 'an update interrupted by a crash of unrot: roll back (default) or verify and finish when it completed',
      }),
    ),
  },
  { additionalProperties: false, description: 'automatic rollback rules' },
);

export const DefaultsSchema = Type.Object(
  {
    timeouts: Type.Optional(TimeoutsSchema),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10, description: 'extra attempts for read-only steps (check) after a failure (default 1)' }),
    ),
    runners: Type.Optional(RunnersSchema),
    runner_limits: Type.Optional(RunnerLimitsSchema),
    backup: Type.Optional(BackupSchema),
    rollback: Type.Optional(RollbackSchema),
    health_checks: Type.Optional(HealthChecksPolicySchema),
    restart: Type.Optional(RestartPolicySchema),
    pre_update: Type.Optional(PreUpdateHooksSchema),
    post_update: Type.Optional(PostUpdateHooksSchema),
    on_rollback: Type.Optional(OnRollbackHooksSchema),
    on_failure: Type.Optional(OnFailureHooksSchema),
    allow_unlisted_commands: Type.Optional(AllowUnlistedCommandsSchema),
  },
  { additionalProperties: false, description: 'applied to every container; a container file overrides' },
);

export const GlobalPolicySchema = Type.Object(
  {
    max_concurrency: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 64, description: 'containers updated at the same time (default 2)' }),
    ),
    concurrency: Type.Optional(ConcurrencySchema),
    node: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9.-]*$',
        maxLength: 64,
        description: 'Proxmox node name for pvesh (default: short host name)',
      }),
    ),
    state_dir: Type.Optional(
      Type.String({ pattern: '^/', maxLength: 4096, description: 'absolute directory for reports and logs (default /var/lib/unrot)' }),
    ),
    host: Type.Optional(HostAccessSchema),
    defaults: Type.Optional(DefaultsSchema),
    targets: Type.Optional(TargetsSchema),
    exclusions: Type.Optional(ExclusionsSchema),
    maintenance: Type.Optional(MaintenancePolicySchema),
    notifications: Type.Optional(NotificationsListSchema),
    secrets_files: Type.Optional(SecretsFilesSchema),
    prometheus_textfile: Type.Optional(PrometheusTextfileSchema),
    kill_switch_file: Type.Optional(KillSwitchFileSchema),
    jitter_ms: Type.Optional(JitterMsSchema),
    max_starts_per_minute: Type.Optional(MaxStartsPerMinuteSchema),
    max_runtime: Type.Optional(MaxRuntimeSchema),
    preflight: Type.Optional(PreflightSchema),
    command_allowlist: Type.Optional(CommandAllowlistSchema),
    rollout: Type.Optional(RolloutSchema),
  },
  { additionalProperties: false },
);
export type GlobalPolicy = Static<typeof GlobalPolicySchema>;

export const ContainerPolicySchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'false skips the container (default true)' })),
    risk: Type.Optional(ContainerRiskSchema),
    runners: Type.Optional(RunnersSchema),
    runner_limits: Type.Optional(RunnerLimitsSchema),
    backup: Type.Optional(BackupSchema),
    rollback: Type.Optional(RollbackSchema),
    health_checks: Type.Optional(HealthChecksPolicySchema),
    restart: Type.Optional(RestartPolicySchema),
    pre_update: Type.Optional(PreUpdateHooksSchema),
    post_update: Type.Optional(PostUpdateHooksSchema),
    on_rollback: Type.Optional(OnRollbackHooksSchema),
    on_failure: Type.Optional(OnFailureHooksSchema),
    allow_unlisted_commands: Type.Optional(AllowUnlistedCommandsSchema),
    exclusions: Type.Optional(ExclusionsSchema),
    timeouts: Type.Optional(TimeoutsSchema),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10, description: 'extra attempts for read-only steps (check) after a failure' }),
    ),
  },
  { additionalProperties: false },
);
export type ContainerPolicy = Static<typeof ContainerPolicySchema>;
