import type { ContainerInfo } from '@unrot/sdk';
import type { RolloutPolicy, WavePolicy } from '../policy/rollout-schema.js';
import { matchesSelector } from '../targets/match-selector.js';

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
  return wave.rest === true || matchesSelector(wave, ct);
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
