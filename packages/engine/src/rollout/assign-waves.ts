import { type ContainerInfo, globToRegExp } from '@unrot/sdk';
import type { RolloutPolicy, WavePolicy } from '../policy/rollout-schema.js';

/** One wave and the selected containers in it, in VMID order. */
export interface WaveMembers {
  index: number;
  policy: WavePolicy;
  vmids: number[];
}

export interface WaveAssignment {
  waves: WaveMembers[];
  /** Selected containers no wave takes: not updated while `rollout:` is set. */
  unassigned: number[];
}

function matches(wave: WavePolicy, ct: ContainerInfo): boolean {
  if (wave.rest === true) return true;
  const tags = new Set(ct.tags.map((t) => t.toLowerCase()));
  return (
    (wave.ids ?? []).includes(ct.vmid) ||
    (wave.tags ?? []).some((t) => tags.has(t.toLowerCase())) ||
    (wave.names ?? []).some((glob) => globToRegExp(glob).test(ct.name))
  );
}

/** Puts each selected container in the first wave that selects it (tags, name globs, ids, or rest). */
export function assignWaves(rollout: RolloutPolicy, selected: readonly ContainerInfo[]): WaveAssignment {
  const taken = new Set<number>();
  const sorted = [...selected].sort((a, b) => a.vmid - b.vmid);
  const waves = rollout.waves.map((policy, index): WaveMembers => {
    const vmids = sorted.filter((ct) => !taken.has(ct.vmid) && matches(policy, ct)).map((ct) => ct.vmid);
    for (const v of vmids) taken.add(v);
    return { index, policy, vmids };
  });
  return { waves, unassigned: sorted.filter((ct) => !taken.has(ct.vmid)).map((ct) => ct.vmid) };
}
