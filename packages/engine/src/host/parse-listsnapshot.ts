import { UnrotError } from '@unrot/sdk';

export interface SnapshotTreeEntry {
  name: string;
  /** The snapshot this one was taken from; null for a root. For `current`, the config's parent. */
  parent: string | null;
  /** Nesting level in the printed tree, 0 for roots. */
  depth: number;
  /** `YYYY-MM-DD HH:MM:SS` in the host's local time; null for `current`. */
  time: string | null;
  /** First line of the description, `no-description` when there is none. */
  description: string;
  /** True for the `current` pseudo entry ("You are here!"). */
  current: boolean;
}

// `printf("%s %-${len}s %-23s %s\n", $prefix, $name, $time, $desc)`; prefix is "`->" with
// leading spaces per level. Names are pve-configid (no whitespace); time may be empty.
const ROW = /^( *)`-> (\S+)(?: +(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}))? +(.*)$/;

/**
 * Parses `pct listsnapshot VMID`. Depth comes from indentation relative to earlier rows, not a
 * fixed step: pve-guest-common's print_snapshot_tree adds 4 spaces per level while the project
 * reference shows 1, and either parses the same. The parent is the nearest earlier row with
 * less indentation.
 */
export function parseListSnapshot(stdout: string): SnapshotTreeEntry[] {
  const entries: SnapshotTreeEntry[] = [];
  const stack: Array<{ indent: number; name: string }> = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const m = ROW.exec(line.trimEnd());
    if (!m) throw new UnrotError('E_HOST_OUTPUT', `pct listsnapshot: unexpected line ${JSON.stringify(line)}`, { stdout });
    const indent = (m[1] as string).length;
    while (stack.length > 0 && (stack[stack.length - 1] as { indent: number }).indent >= indent) stack.pop();
    const name = m[2] as string;
    entries.push({
      name,
      parent: stack.length > 0 ? (stack[stack.length - 1] as { name: string }).name : null,
      depth: stack.length,
      time: m[3] ?? null,
      description: m[4] as string,
      current: name === 'current',
    });
    stack.push({ indent, name });
  }
  if (!entries.some((e) => e.current)) {
    throw new UnrotError('E_HOST_OUTPUT', 'pct listsnapshot: no `current` entry', { stdout });
  }
  return entries;
}
