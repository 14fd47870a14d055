import type { JournalEntry } from './journal.js';
import { snapshotNameFor } from './own-snapshots.js';

/**
 * The Proxmox locks each journaled step of unrot takes while it runs (pct-reference §4, §6, §7,
 * §10): `pct snapshot` sets `snapshot` (and, cleaning up a failed one, `snapshot-delete`), vzdump
 * sets `backup`, `pct rollback` sets `rollback`. A run killed inside one leaves the lock behind.
 */
const OWN_LOCKS: Readonly<Record<JournalEntry['step'], readonly string[]>> = {
  backup: ['snapshot', 'snapshot-delete', 'backup'],
  apply: [],
  verify: [],
  rollback: ['rollback'],
};

/** What recovery says about a lock it found: whose it is, and the exact commands that clear it. */
export interface LockRemedy {
  lock: string;
  /** The lock is the one unrot's own interrupted step takes. */
  own: boolean;
  /** One sentence: "CT 101 is locked (snapshot) by unrot's interrupted backup in run X". */
  summary: string;
  /** The operator's steps, in order; unrot runs none of them. */
  steps: string[];
}

/** Proxmox task log: a task still running for the CT means the lock is not stale yet. */
function noTaskStep(vmid: number): string {
  return `make sure no Proxmox task still runs for CT ${vmid} (Datacenter > Tasks, or: pvesh get /nodes/$(hostname)/tasks --source active --vmid ${vmid}); if one does, wait for it`;
}

/** A running CT is frozen while Proxmox snapshots it (pct-reference §4) and thawed only when the snapshot completes. */
function thawStep(vmid: number): string {
  return `lxc-info -n ${vmid} -s: if it says State: FROZEN, thaw it with lxc-unfreeze -n ${vmid} (Proxmox froze it for the snapshot; pct resume is not for this and refuses a running CT)`;
}

function snapshotNameOf(entry: JournalEntry): string | undefined {
  if (entry.backup?.kind === 'snapshot' && entry.backup.name) return entry.backup.name;
  try {
    return snapshotNameFor(entry.runId);
  } catch {
    return undefined;
  }
}

/**
 * The remedy for a container that still carries a Proxmox lock when recovery finds the journal of
 * an interrupted run. Follows Proxmox's behaviour: `pct delsnapshot` refuses a locked CT (it takes
 * the `snapshot-delete` lock itself), so `pct unlock` comes before deleting a half-made snapshot;
 * `--force` removes a snapshot whose volume snapshot was never (fully) taken.
 */
export function lockRemedy(entry: JournalEntry, lock: string): LockRemedy {
  const vmid = entry.vmid;
  const own = OWN_LOCKS[entry.step].includes(lock);
  const unlock = `pct unlock ${vmid}`;
  if (!own) {
    return {
      lock,
      own,
      summary: `CT ${vmid} is locked (${lock}), which unrot's interrupted ${entry.step} in run ${entry.runId} does not explain: another task or an operator holds it`,
      steps: [
        noTaskStep(vmid),
        `find out who holds the ${lock} lock (pct config ${vmid} | grep ^lock; the task log); remove it only when nothing runs: ${unlock}`,
        `then run unrot again: unrot run --ct ${vmid}`,
      ],
    };
  }
  const summary = `CT ${vmid} is locked (${lock}) by unrot's interrupted ${entry.step} in run ${entry.runId}`;
  const snap = snapshotNameOf(entry);
  // A killed backup step: the container may still be frozen and the half-made backup is left over.
  const afterBackup = (leftover: string[]): LockRemedy => ({
    lock,
    own,
    summary,
    steps: [
      noTaskStep(vmid),
      thawStep(vmid),
      `remove the stale lock: ${unlock}`,
      ...leftover,
      `nothing inside the container was changed; the next unrot run updates it again (unrot run --ct ${vmid})`,
    ],
  });
  if (lock === 'snapshot' || lock === 'snapshot-delete') {
    return afterBackup([
      `pct listsnapshot ${vmid}: ${snap ? `if ${snap} is listed it is half-made (pct config ${vmid} --snapshot ${snap} shows snapstate); delete it: pct delsnapshot ${vmid} ${snap} --force` : `delete a half-made unrot-… snapshot with: pct delsnapshot ${vmid} NAME --force`}`,
    ]);
  }
  if (lock === 'backup') {
    return afterBackup([
      `pct listsnapshot ${vmid}: a leftover temporary vzdump snapshot is removed with: pct delsnapshot ${vmid} vzdump --force`,
      `a partial archive vzdump-lxc-${vmid}-….dat in the storage's dump directory was never completed and can be deleted`,
    ]);
  }
  // rollback: the restore was cut off; the journal is kept, so the next run does it again.
  const to = entry.backup?.name ?? entry.backup?.archive ?? 'the pre-update backup';
  return {
    lock,
    own,
    summary,
    steps: [
      noTaskStep(vmid),
      `remove the stale lock: ${unlock}`,
      `the next unrot run rolls back to ${to} again (the journal is kept); or by hand: ${entry.backup?.kind === 'snapshot' && entry.backup.name ? `pct rollback ${vmid} ${entry.backup.name}` : `pct restore ${vmid} ${to} --force 1`}${entry.wasRunning ? `, then pct start ${vmid}` : ''}`,
    ],
  };
}
