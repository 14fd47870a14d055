import type { SnapshotTreeEntry } from '../host/parse-listsnapshot.js';

// unrot's own snapshots carry both marks: a name only unrot makes (valid pve-configid, ≤ 40
// characters, never `current` or `vzdump`) and a description that starts with "unrot run".
// Anything else, including the temporary `vzdump` snapshot, is never touched.
export const OWN_SNAPSHOT_NAME = /^unrot-\d{8}-\d{6}-[0-9a-f]{6}$/;
const OWN_DESCRIPTION = /^unrot run \d{8}T\d{6}Z-[0-9a-f]{6}\b/;

/** `20261126T021500Z-3fa9c2` → `unrot-20261126-021500-3fa9c2` (28 characters). */
export function snapshotNameFor(runId: string): string {
  const m = /^(\d{8})T(\d{6})Z-([0-9a-f]{6})$/.exec(runId);
  if (!m) throw new Error(`not a run id: ${runId}`);
  return `unrot-${m[1]}-${m[2]}-${m[3]}`;
}

export function snapshotDescriptionFor(runId: string, runners: readonly string[]): string {
  return `unrot run ${runId}: before updating ${runners.join(', ')}`;
}

export function isOwnSnapshot(entry: Pick<SnapshotTreeEntry, 'name' | 'description' | 'current'>): boolean {
  return !entry.current && OWN_SNAPSHOT_NAME.test(entry.name) && OWN_DESCRIPTION.test(entry.description);
}

/** Own snapshots, oldest first (names sort by the time they encode). */
export function ownSnapshots(tree: readonly SnapshotTreeEntry[]): SnapshotTreeEntry[] {
  return tree.filter(isOwnSnapshot).sort((a, b) => a.name.localeCompare(b.name));
}

/** A name only unrot makes: the first gate before any `pct delsnapshot` / `pct rollback` argv is built from a state file. */
export function isOwnSnapshotName(name: string): boolean {
  return OWN_SNAPSHOT_NAME.test(name);
}

/** The snapshot Proxmox lists under `name` is unrot's own and was taken by run `runId`. */
export function isSnapshotOfRun(tree: readonly SnapshotTreeEntry[], name: string, runId: string): boolean {
  return tree.some(
    (s) => s.name === name && isOwnSnapshot(s) && s.description.startsWith(`unrot run ${runId}`) && name === snapshotNameFor(runId),
  );
}
