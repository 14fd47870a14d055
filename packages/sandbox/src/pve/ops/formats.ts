/** Text formats of pct list / listsnapshot, exactly as pct.pm / GuestHelpers print them. */

export interface ListRow {
  vmid: number;
  status: string;
  lock: string;
  name: string;
}

function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

/** printf "%-10s %-10s %-12s %-20s\n"; nothing at all when there are no CTs. */
export function formatPctList(rows: ListRow[]): string {
  if (rows.length === 0) return '';
  const line = (a: string, b: string, c: string, d: string) =>
    `${padRight(a, 10)} ${padRight(b, 10)} ${padRight(c, 12)} ${padRight(d, 20)}\n`;
  let out = line('VMID', 'Status', 'Lock', 'Name');
  for (const r of [...rows].sort((x, y) => x.vmid - y.vmid)) out += line(String(r.vmid), r.status, r.lock, r.name);
  return out;
}

export interface SnapshotEntry {
  name: string;
  snaptime?: number;
  description?: string;
  parent?: string;
}

/** strftime("%F %H:%M:%S", localtime(t)) */
export function localTimestamp(epochSec: number): string {
  const d = new Date(epochSec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** GuestHelpers::print_snapshot_tree. */
export function formatSnapshotTree(list: SnapshotEntry[]): string {
  const byName = new Map(list.map((e) => [e.name, e]));
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const e of list) {
    if (e.parent && byName.has(e.parent)) {
      const arr = children.get(e.parent) ?? [];
      arr.push(e.name);
      children.set(e.parent, arr);
    } else roots.push(e.name);
  }
  // By snaptime, `current` (no snaptime) last; ties (Perl: hash order) by name for stability.
  const bySnaptime = (a: string, b: string) => {
    const ta = byName.get(a)!.snaptime;
    const tb = byName.get(b)!.snaptime;
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    return ta - tb || (a < b ? -1 : a > b ? 1 : 0);
  };
  let out = '';
  const walk = (prefix: string, name: string) => {
    const e = byName.get(name)!;
    const description = (e.description || 'no-description').split('\n')[0]!;
    const time = e.snaptime !== undefined ? localTimestamp(e.snaptime) : '';
    const len = Math.max(0, 30 - prefix.length);
    out += `${prefix} ${padRight(name, len)} ${padRight(time, 23)} ${description}\n`;
    for (const child of [...(children.get(name) ?? [])].sort(bySnaptime)) walk(` ${prefix}`, child);
  };
  for (const root of roots.sort(bySnaptime)) walk('`->', root);
  return out;
}

/** pvesm status (pvesm.pm): header widths from the longest storage id + 1. */
export interface StorageStatusRow {
  id: string;
  type: string;
  active: boolean;
  enabled: boolean;
  totalKiB: number;
  usedKiB: number;
  availKiB: number;
}

export function formatPvesmStatus(rows: StorageStatusRow[], legacyHeader: boolean): string {
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const maxlen = Math.max(4, ...sorted.map((r) => r.id.length)) + 1;
  const fmt = (a: string, b: string, c: string, d: string, e: string, f: string, g: string) =>
    `${padRight(a, maxlen)} ${b.padStart(10)} ${c.padStart(10)} ${d.padStart(15)} ${e.padStart(15)} ${f.padStart(15)} ${g.padStart(8)}\n`;
  let out = legacyHeader
    ? fmt('Name', 'Type', 'Status', 'Total', 'Used', 'Available', '%')
    : fmt('Name', 'Type', 'Status', 'Total (KiB)', 'Used (KiB)', 'Available (KiB)', '%');
  for (const r of sorted) {
    const status = r.enabled ? (r.active ? 'active' : 'inactive') : 'disabled';
    const pct = r.enabled && r.active && r.totalKiB > 0 ? `${((r.usedKiB * 100) / r.totalKiB).toFixed(2).padStart(7)}%` : 'N/A';
    out += fmt(r.id, r.type, status, String(r.totalKiB), String(r.usedKiB), String(r.availKiB), pct);
  }
  return out;
}
