import { type ContainerInfo, globToRegExp, type SkipReason } from '@unrot/sdk';

export interface TargetRules {
  tags?: readonly string[];
  names?: readonly string[];
  allow?: readonly number[];
  deny?: readonly number[];
}

/** A partial fleet asked for on the command line (`--ct 101,102`, `--tag web`). */
export interface CliSelection {
  cts?: readonly number[];
  tags?: readonly string[];
}

export interface TargetDecision {
  vmid: number;
  name: string;
  selected: boolean;
  /** Set when not selected. */
  reason?: SkipReason;
  /** Human detail, e.g. the lock name. */
  detail?: string;
  /** The group files (containers/<name>.yml) whose selectors match it, when any. */
  groupFiles?: string[];
}

/**
 * Decides, for every container in the fleet, whether this run touches it.
 * Order of reasons: CLI selection, deny, policy match, disabled, template, stopped, locked.
 * Every container appears in the result, so a report can say why one was left alone.
 */
export function resolveTargets(
  fleet: readonly ContainerInfo[],
  rules: TargetRules,
  cli: CliSelection,
  isEnabled: (vmid: number) => boolean,
): TargetDecision[] {
  const nameMatchers = (rules.names ?? []).map(globToRegExp);
  const ruleTags = new Set((rules.tags ?? []).map((t) => t.toLowerCase()));
  const allow = new Set(rules.allow ?? []);
  const deny = new Set(rules.deny ?? []);
  const hasMatchRules = ruleTags.size > 0 || nameMatchers.length > 0 || allow.size > 0;
  const cliCts = cli.cts && cli.cts.length > 0 ? new Set(cli.cts) : undefined;
  const cliTags = cli.tags && cli.tags.length > 0 ? new Set(cli.tags.map((t) => t.toLowerCase())) : undefined;

  return [...fleet]
    .sort((a, b) => a.vmid - b.vmid)
    .map((ct): TargetDecision => {
      const base = { vmid: ct.vmid, name: ct.name };
      const tags = ct.tags.map((t) => t.toLowerCase());
      if (cliCts && !cliCts.has(ct.vmid)) return { ...base, selected: false, reason: 'not-in-cli-selection', detail: 'not named by --ct' };
      if (cliTags && !tags.some((t) => cliTags.has(t)))
        return { ...base, selected: false, reason: 'not-in-cli-selection', detail: 'no tag named by --tag' };
      if (deny.has(ct.vmid)) return { ...base, selected: false, reason: 'denied', detail: 'listed in targets.deny' };
      if (hasMatchRules) {
        const matched = allow.has(ct.vmid) || tags.some((t) => ruleTags.has(t)) || nameMatchers.some((re) => re.test(ct.name));
        if (!matched)
          return { ...base, selected: false, reason: 'not-matched', detail: 'matches no targets.tags, targets.names or targets.allow' };
      }
      if (!isEnabled(ct.vmid)) return { ...base, selected: false, reason: 'disabled', detail: 'enabled: false in its policy' };
      if (ct.template) return { ...base, selected: false, reason: 'template', detail: 'container is a template' };
      // A cluster lists the guests of an offline node with status unknown: nothing can reach them.
      if (ct.status === 'unknown' && ct.node !== undefined)
        return { ...base, selected: false, reason: 'node-offline', detail: `node ${ct.node} is offline or unreachable` };
      if (ct.status !== 'running') return { ...base, selected: false, reason: 'stopped', detail: `status ${ct.status}` };
      if (ct.lock) return { ...base, selected: false, reason: 'locked', detail: `Proxmox lock '${ct.lock}'` };
      return { ...base, selected: true };
    });
}
