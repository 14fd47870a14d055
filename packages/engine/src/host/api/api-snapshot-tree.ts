import type { SnapshotTreeEntry } from '../parse-listsnapshot.js';
import type { ApiSnapshot } from './api-schemas.js';

/** `strftime("%F %H:%M:%S", localtime)`, as `pct listsnapshot` prints a snaptime. */
function localTime(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The API's snapshot list (hash order, `current` included) as the tree `pct listsnapshot`
 * prints (pve-guest-common print_snapshot_tree): roots and each node's children sorted by
 * snaptime with `current` (no snaptime) last, depth-first; description = its first line or
 * `no-description`. A parent that is not in the list makes its child a root (shown, not lost).
 * So PctHost and ApiHost return the same entries for the same snapshots.
 */
export function snapshotTree(list: readonly ApiSnapshot[]): SnapshotTreeEntry[] {
  const byName = new Map(list.map((s) => [s.name, s]));
  const children = new Map<string, ApiSnapshot[]>();
  const roots: ApiSnapshot[] = [];
  for (const s of list) {
    if (s.parent !== undefined && s.parent !== '' && byName.has(s.parent) && s.parent !== s.name) {
      const siblings = children.get(s.parent) ?? [];
      siblings.push(s);
      children.set(s.parent, siblings);
    } else roots.push(s);
  }
  const time = (s: ApiSnapshot) => (s.snaptime === undefined ? undefined : Number(s.snaptime));
  const bySnaptime = (a: ApiSnapshot, b: ApiSnapshot) => {
    const ta = time(a);
    const tb = time(b);
    if (ta === undefined) return tb === undefined ? 0 : 1;
    if (tb === undefined) return -1;
    return ta - tb;
  };
  const out: SnapshotTreeEntry[] = [];
  const seen = new Set<string>();
  const visit = (s: ApiSnapshot, parent: string | null, depth: number) => {
    if (seen.has(s.name)) return; // a parent cycle in a hand-edited config must not loop
    seen.add(s.name);
    const current = s.name === 'current';
    const t = time(s);
    const first = (s.description ?? '').split('\n')[0] ?? '';
    out.push({
      name: s.name,
      parent,
      depth,
      time: current || t === undefined ? null : localTime(t),
      description: first === '' ? 'no-description' : first,
      current,
    });
    for (const child of [...(children.get(s.name) ?? [])].sort(bySnaptime)) visit(child, s.name, depth + 1);
  };
  for (const root of [...roots].sort(bySnaptime)) visit(root, null, 0);
  return out;
}
