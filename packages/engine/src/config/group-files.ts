import { type ContainerInfo, UnrotError } from '@unrot/sdk';
import type { ContainerPolicy } from '../policy/index.js';
import { type ContainerIdentity, matchesSelector, needsFleet } from '../targets/match-selector.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import type { GroupFile, LoadedConfig } from './load-config.js';

export type { GroupFile } from './load-config.js';

/*
 * Group files (`containers/<name>.yml`, name not a VMID): `selectors:` plus container keys, applied
 * to every container the selectors match. Precedence: global `defaults` < group files < `<CTID>.yml`.
 * Two group files matching one container may not set the same key (no silent file-order
 * dependence), except keys whose values add up whatever the order: `exclusions` (lists joined) and
 * `runners` (checked per runner id: `web.yml` may enable npm while `python.yml` enables pip).
 */

type Key = keyof ContainerPolicy;
type ExclusionKey = keyof NonNullable<ContainerPolicy['exclusions']>;

/** Every file holding container keys (CTID files, then group files): what per-file validators walk. */
export function containerLevelFiles(config: LoadedConfig): Array<{ file: string; policy: ContainerPolicy }> {
  return [...config.containers.values(), ...config.groups];
}

/**
 * Records the name and tags of every container of the listed fleet, which group selectors match on,
 * and throws one ConfigError for every container two group files conflict on.
 */
export function bindFleet(config: LoadedConfig, fleet: readonly ContainerIdentity[]): void {
  config.fleet = new Map(fleet.map((ct) => [ct.vmid, { vmid: ct.vmid, name: ct.name, tags: [...ct.tags] }]));
  const problems = fleet.flatMap((ct) => groupConflicts(config, ct.vmid, matchingGroups(config, ct.vmid)));
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Lists the fleet and binds it when a group file selects by tag or name and nothing bound it yet:
 * for policy reads before the run's own listing (recovery of an interrupted update, operator commands).
 */
export async function ensureFleetBound(config: LoadedConfig, host: { listContainers(): Promise<ContainerInfo[]> }): Promise<void> {
  if (config.fleet || !config.groups.some((g) => needsFleet(g.selectors))) return;
  bindFleet(config, await host.listContainers());
}

/**
 * Each group file and the listed containers it applies to, in VMID order (what plan and run
 * report); `vmids: []` is a group matching nothing, a warning, not an error. [] before bindFleet.
 */
export function groupMembers(config: LoadedConfig): Array<{ file: string; vmids: number[] }> {
  if (!config.fleet) return [];
  const fleet = [...config.fleet.values()].sort((a, b) => a.vmid - b.vmid);
  return config.groups.map((g) => ({ file: g.file, vmids: fleet.filter((ct) => matchesSelector(g.selectors, ct)).map((ct) => ct.vmid) }));
}

/** Group files whose selectors match no container of the listed fleet: a warning, not an error. */
export function unmatchedGroups(config: LoadedConfig): string[] {
  return groupMembers(config)
    .filter((g) => g.vmids.length === 0)
    .map((g) => g.file);
}

/**
 * The group files that apply to one container, in file-name order. A container the fleet listing
 * does not hold (or any container before the listing, when no group selects by tag or name) is
 * matched by `ids` alone; selecting by tag or name before the listing is a programming error.
 */
export function matchingGroups(config: LoadedConfig, vmid: number): GroupFile[] {
  if (config.groups.length === 0) return [];
  const known = config.fleet?.get(vmid);
  if (!config.fleet && config.groups.some((g) => needsFleet(g.selectors))) {
    throw new UnrotError(
      'E_INTERNAL',
      `CT ${vmid}: group files select by tag or name, so its policy needs the container list first (bindFleet was not called)`,
    );
  }
  const identity: ContainerIdentity = known ?? { vmid, name: '', tags: [] };
  return config.groups.filter((g) => (known ? matchesSelector(g.selectors, identity) : (g.selectors.ids ?? []).includes(vmid)));
}

/** Keys set by two or more of the group files matching one container. */
export function groupConflicts(config: LoadedConfig, vmid: number, groups: readonly GroupFile[]): ConfigProblem[] {
  const setters = new Map<string, GroupFile[]>();
  const add = (key: string, g: GroupFile) => setters.set(key, [...(setters.get(key) ?? []), g]);
  for (const g of groups) {
    for (const key of Object.keys(g.policy) as Key[]) {
      if (key === 'exclusions') continue;
      if (key === 'runners') for (const id of Object.keys(g.policy.runners ?? {})) add(`runners.${id}`, g);
      else add(key, g);
    }
  }
  const problems: ConfigProblem[] = [];
  for (const [key, files] of setters) {
    if (files.length < 2) continue;
    const [first, ...others] = files as [GroupFile, ...GroupFile[]];
    const pos = config.locate(first.file, key.split('.'), { key: true });
    problems.push({
      file: first.file,
      ...(pos && { line: pos.line, column: pos.column }),
      path: key,
      message: `CT ${vmid} matches group files ${[first, ...others].map((g) => g.file).join(' and ')}, which both set '${key}'`,
      expected: `'${key}' in only one group file matching CT ${vmid}, or in containers/${vmid}.yml (which overrides group files)`,
    });
  }
  return problems;
}

/** The group layer of one container: the files' keys side by side (conflicts refused before), exclusions joined. */
export function combineGroups(groups: readonly GroupFile[]): ContainerPolicy {
  let combined: ContainerPolicy = {};
  for (const g of groups) {
    const { exclusions, runners, ...rest } = g.policy;
    combined = {
      ...combined,
      ...rest,
      ...(runners || combined.runners ? { runners: { ...combined.runners, ...runners } } : {}),
      ...(exclusions || combined.exclusions ? { exclusions: joinExclusions(combined.exclusions, exclusions) } : {}),
    };
  }
  return combined;
}

/**
 * `over` (a CTID file) on top of `base` (the group layer), by the rules the defaults → container
 * merge uses: exclusions joined; mappings (runners, backup, rollback, restart, timeouts, …) merged
 * key by key, so `runners.npm` in the CTID file replaces the group's npm block whole; lists
 * (health_checks, hooks) and scalars replaced.
 */
export function layerPolicy(base: ContainerPolicy, over: ContainerPolicy): ContainerPolicy {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    if (key === 'exclusions') out[key] = joinExclusions(base.exclusions, over.exclusions);
    else if (isMapping(below) && isMapping(value)) out[key] = { ...below, ...value };
    else out[key] = value;
  }
  return out as ContainerPolicy;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function joinExclusions(a: ContainerPolicy['exclusions'], b: ContainerPolicy['exclusions']): NonNullable<ContainerPolicy['exclusions']> {
  const out: NonNullable<ContainerPolicy['exclusions']> = {};
  for (const key of ['packages', 'paths', 'services'] as ExclusionKey[]) {
    const joined = [...new Set([...(a?.[key] ?? []), ...(b?.[key] ?? [])])];
    if (joined.length > 0) out[key] = joined;
  }
  return out;
}
