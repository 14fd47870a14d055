import { hostname } from 'node:os';
import { excludeServices, resolveRestart, type TaskRestart } from '../health/restart-policy.js';
import {
  type GlobalPolicy,
  type HealthCheck,
  type HookCommand,
  healthCheckName,
  type RestartPolicy,
  resolveHealthCheck,
} from '../policy/index.js';
import { ConfigError } from './config-error.js';
import { combineGroups, groupConflicts, layerPolicy, matchingGroups } from './group-files.js';
import type { LoadedConfig } from './load-config.js';
import { catalogOf, DEFAULT_OS_RUNNER, type RunnerCatalog, withOptionDefaults } from './runner-options.js';

/** Built-in defaults; the schema descriptions quote them and a test keeps both in step. */
export const CONFIG_DEFAULTS = {
  max_concurrency: 2,
  state_dir: '/var/lib/unrot',
  retries: 1,
  osRunner: DEFAULT_OS_RUNNER,
  timeouts: { preflight: 30, detect: 60, check: 600, plan: 60, apply: 3600, backup: 1800, verify: 600, rollback: 1800 },
  enabled: true,
  backup: { mode: 'snapshot', on_unsupported: 'skip', keep: 3, vzdump_storage: 'local', vzdump_mode: 'snapshot', vzdump_compress: 'zstd' },
  rollback: { on_failure: true, on_interrupt: 'rollback' },
  restart: { when: 'changed', wait_active_s: 60 },
  preflight: { max_storage_used_percent: 90, poll_s: 30, give_up_after_s: 1800, network: true, network_timeout_s: 5 },
} as const;

export interface EffectiveBackup {
  mode: 'snapshot' | 'vzdump' | 'none';
  onUnsupported: 'vzdump' | 'skip';
  keep: number;
  vzdumpStorage: string;
  vzdumpMode: 'snapshot' | 'suspend' | 'stop';
  vzdumpCompress: 'zstd' | 'gzip' | 'lzo' | '0';
}

export interface EffectiveRollback {
  onFailure: boolean;
  /** Runner ids whose failure triggers a rollback; undefined means every runner. */
  critical?: string[];
  onInterrupt: 'rollback' | 'verify';
}

type StepName = keyof typeof CONFIG_DEFAULTS.timeouts;

export interface EffectivePolicy {
  vmid: number;
  enabled: boolean;
  /** The id of an installed runner of kind 'os' (apt, or a third party's), or 'none'. */
  osRunner: string;
  appRunners: Array<{ id: string; options: unknown }>;
  /** undefined when osRunner is 'none' */
  osRunnerOptions: unknown;
  exclusions: string[];
  /** `exclusions.paths`: global plus the container's; hashed before and after apply. */
  guardedPaths: string[];
  /** `exclusions.services`: global plus the container's; never restarted (taken out of `restart.units`). */
  excludedServices: string[];
  timeoutsMs: Record<StepName, number>;
  retries: number;
  /** false when the container has no containers/<CTID>.yml (it may still get group files) */
  hasFile: boolean;
  /** The group files (containers/<name>.yml) whose selectors match it, in file-name order; [] when none. */
  groupFiles: string[];
  backup: EffectiveBackup;
  rollback: EffectiveRollback;
  /** 'low' containers may also run in the daily quick pass (maintenance.quick_pass). */
  risk: 'low' | 'normal';
  /** Defaults filled in and each check named; the container's list replaces the defaults' list. */
  healthChecks: Array<HealthCheck & { name: string }>;
  /** undefined when the policy names nothing to restart */
  restart?: EffectiveRestart;
  /**
   * pre_update / post_update / on_rollback / on_failure hooks (each list: the container's replaces
   * the defaults'); undefined when all are empty. `hostAllowlist`: command_allowlist, which every
   * `where: host` hook must be on (checked again before it runs).
   */
  hooks?: {
    preUpdate: HookCommand[];
    postUpdate: HookCommand[];
    onRollback: HookCommand[];
    onFailure: HookCommand[];
    hostAllowlist: string[];
  };
}

/** Units, processes and compose projects with defaults filled in (health/restart-policy.ts). */
export type EffectiveRestart = TaskRestart;

/**
 * The policy one container runs with. Merge rules (defaults → group files → container file; the
 * group layer is built by config/group-files.ts and then read here like the container file):
 * scalars (enabled, retries, each timeout, runners.os) — the container's value wins;
 * exclusions — global `exclusions.packages` (and `.paths`, `.services`) plus the container's, never replaced;
 * runner options — per runner id, the container's block replaces the defaults' block as a whole;
 * app runners — those in `defaults.runners` plus those in the container file.
 * Plugin option defaults are applied when the config went through validateRunnerOptions
 * (or a catalog is passed); otherwise options are returned as written.
 */
export function effectivePolicy(
  config: LoadedConfig,
  vmid: number,
  catalog: RunnerCatalog | undefined = catalogOf(config),
): EffectivePolicy {
  const defaults = config.global.defaults ?? {};
  const entry = config.containers.get(vmid);
  const groups = matchingGroups(config, vmid);
  const conflicts = groupConflicts(config, vmid, groups);
  if (conflicts.length > 0) throw new ConfigError(conflicts);
  const own = groups.length > 0 ? layerPolicy(combineGroups(groups), entry?.policy ?? {}) : (entry?.policy ?? {});
  const defaultRunners: Record<string, unknown> = defaults.runners ?? {};
  const ownRunners: Record<string, unknown> = own.runners ?? {};

  const osRunner = own.runners?.os ?? defaults.runners?.os ?? CONFIG_DEFAULTS.osRunner;
  const optionsFor = (id: string): unknown => withOptionDefaults(catalog?.get(id), ownRunners[id] ?? defaultRunners[id]);

  const appIds = [...new Set([...Object.keys(defaultRunners), ...Object.keys(ownRunners)])].filter(
    // The os runner's own key holds its options; other os runners are refused by validateRunnerOptions.
    (id) => id !== 'os' && id !== osRunner && catalog?.get(id)?.kind !== 'os',
  );

  const excluded = (key: 'packages' | 'paths' | 'services'): string[] => [
    ...new Set([...(config.global.exclusions?.[key] ?? []), ...(own.exclusions?.[key] ?? [])]),
  ];
  const timeouts = {} as Record<StepName, number>;
  for (const step of Object.keys(CONFIG_DEFAULTS.timeouts) as StepName[]) {
    timeouts[step] = (own.timeouts?.[step] ?? defaults.timeouts?.[step] ?? CONFIG_DEFAULTS.timeouts[step]) * 1000;
  }

  return {
    vmid,
    enabled: own.enabled ?? CONFIG_DEFAULTS.enabled,
    osRunner,
    appRunners: appIds.map((id) => ({ id, options: optionsFor(id) })),
    osRunnerOptions: osRunner === 'none' ? undefined : optionsFor(osRunner),
    exclusions: excluded('packages'),
    guardedPaths: excluded('paths'),
    excludedServices: excluded('services'),
    timeoutsMs: timeouts,
    retries: own.retries ?? defaults.retries ?? CONFIG_DEFAULTS.retries,
    hasFile: entry !== undefined,
    groupFiles: groups.map((g) => g.file),
    risk: own.risk ?? 'normal',
    backup: mergeBackup({ ...CONFIG_DEFAULTS.backup, ...defaults.backup, ...own.backup }),
    rollback: mergeRollback({ ...CONFIG_DEFAULTS.rollback, ...defaults.rollback, ...own.rollback }),
    healthChecks: (own.health_checks ?? defaults.health_checks ?? []).map((c, i) => ({
      ...resolveHealthCheck(c),
      name: healthCheckName(c, i),
    })),
    ...mergeRestart({ ...CONFIG_DEFAULTS.restart, ...defaults.restart, ...own.restart }, excluded('services')),
    ...mergeHooks(
      {
        preUpdate: own.pre_update ?? defaults.pre_update ?? [],
        postUpdate: own.post_update ?? defaults.post_update ?? [],
        onRollback: own.on_rollback ?? defaults.on_rollback ?? [],
        onFailure: own.on_failure ?? defaults.on_failure ?? [],
      },
      config.global.command_allowlist ?? [],
    ),
  };
}

function mergeHooks(
  lists: Omit<NonNullable<EffectivePolicy['hooks']>, 'hostAllowlist'>,
  allowlist: string[],
): Pick<EffectivePolicy, 'hooks'> {
  if (Object.values(lists).every((list) => list.length === 0)) return {};
  return { hooks: { ...lists, hostAllowlist: [...allowlist] } };
}

// The restart block merges per key like backup (a container's units, processes or compose list
// replaces the defaults' list); nothing to restart means no restart step.
// `exclusions.services` takes its units out of the list (they stay in the report as excluded).
function mergeRestart(r: RestartPolicy, excludedServices: readonly string[]): { restart?: EffectiveRestart } {
  const restart = excludeServices(resolveRestart(r), excludedServices);
  return restart ? { restart } : {};
}

// Backup and rollback blocks merge per key: the container's keys override the defaults' keys.
function mergeBackup(b: {
  mode: EffectiveBackup['mode'];
  on_unsupported: EffectiveBackup['onUnsupported'];
  keep: number;
  vzdump_storage: string;
  vzdump_mode: EffectiveBackup['vzdumpMode'];
  vzdump_compress: EffectiveBackup['vzdumpCompress'];
}): EffectiveBackup {
  return {
    mode: b.mode,
    onUnsupported: b.on_unsupported,
    keep: b.keep,
    vzdumpStorage: b.vzdump_storage,
    vzdumpMode: b.vzdump_mode,
    vzdumpCompress: b.vzdump_compress,
  };
}

function mergeRollback(r: { on_failure: boolean; critical?: string[]; on_interrupt: EffectiveRollback['onInterrupt'] }): EffectiveRollback {
  return { onFailure: r.on_failure, onInterrupt: r.on_interrupt, ...(r.critical ? { critical: r.critical } : {}) };
}

export interface EffectiveGlobal {
  maxConcurrency: number;
  /** Proxmox node name for pvesh */
  node: string;
  stateDir: string;
  targets: NonNullable<GlobalPolicy['targets']>;
}

/** Host-wide settings with defaults filled in. */
export function effectiveGlobal(config: LoadedConfig): EffectiveGlobal {
  const g = config.global;
  return {
    maxConcurrency: g.max_concurrency ?? CONFIG_DEFAULTS.max_concurrency,
    node: g.node ?? hostname().split('.')[0]!,
    stateDir: g.state_dir ?? CONFIG_DEFAULTS.state_dir,
    targets: g.targets ?? {},
  };
}
