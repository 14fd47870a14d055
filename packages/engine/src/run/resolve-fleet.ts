import { type ContainerInfo, toUnrotError } from '@unrot/sdk';
import { bindFleet, unmatchedGroups } from '../config/group-files.js';
import { effectivePolicy } from '../config/index.js';
import type { Host } from '../host/host.js';
import { asHostError } from '../report/exit-codes.js';
import type { RecoveryReport } from '../safety/recover-interrupted.js';
import { type CliSelection, resolveTargets, type TargetDecision } from '../targets/resolve-targets.js';
import type { Prepared } from './prepare.js';

/** Which containers a run would touch, with the reason for each one it would not. */
export async function resolveFleet(
  prepared: Prepared,
  selection: CliSelection,
  host: Host,
): Promise<{ fleet: ContainerInfo[]; decisions: TargetDecision[]; unmatchedGroups: string[] }> {
  let fleet: ContainerInfo[];
  try {
    fleet = await host.listContainers();
  } catch (error) {
    throw asHostError(toUnrotError(error, 'E_EXEC_SPAWN'));
  }
  const { config } = prepared;
  // Group files match on names and tags: known from here on, for every policy read of this run.
  bindFleet(config, fleet);
  const decisions = resolveTargets(fleet, config.global.targets ?? {}, selection, (vmid) => effectivePolicy(config, vmid).enabled).map(
    (d): TargetDecision => {
      const groupFiles = config.groups.length > 0 ? effectivePolicy(config, d.vmid).groupFiles : [];
      return groupFiles.length > 0 ? { ...d, groupFiles } : d;
    },
  );
  return { fleet, decisions, unmatchedGroups: unmatchedGroups(config) };
}

/** The targets of a run: the fleet's decisions, less the containers an earlier interrupted update still holds. */
export interface ResolvedTargets {
  fleet: ReadonlyMap<number, ContainerInfo>;
  decisions: TargetDecision[];
}

/** Phase 2: resolves the targets; a container whose interrupted update could not be resolved is left alone until it is. */
export async function resolveRunTargets(
  prepared: Prepared,
  selection: CliSelection,
  host: Host,
  recoveries: readonly RecoveryReport[],
): Promise<ResolvedTargets> {
  const unrecovered = new Map(recoveries.filter((r) => r.action === 'failed').map((r) => [r.vmid, r]));
  // A lock left by unrot's own interrupted step: the skip says whose lock it is, not just "locked".
  const lockedByUnrot = new Map(recoveries.filter((r) => r.attention === true && r.lock).map((r) => [r.vmid, r]));
  const { fleet, decisions } = await resolveFleet(prepared, selection, host);
  return {
    fleet: new Map(fleet.map((ct) => [ct.vmid, ct])),
    decisions: decisions.map((d): TargetDecision => {
      if (d.selected && unrecovered.has(d.vmid))
        return { ...d, selected: false, reason: 'recovery-failed', detail: unrecovered.get(d.vmid)?.error ?? 'recovery failed' };
      const own = lockedByUnrot.get(d.vmid);
      return d.reason === 'locked' && own ? { ...d, detail: `${own.detail} (see the report's recoveries for the remedy)` } : d;
    }),
  };
}
