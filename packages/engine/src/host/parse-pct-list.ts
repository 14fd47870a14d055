import { UnrotError } from '@unrot/sdk';

export interface PctListEntry {
  vmid: number;
  status: 'running' | 'stopped';
  /** Set only when the container is locked. */
  lock?: string;
  name: string;
}

/**
 * Parses `pct list`. Columns are printf'd with fixed minimum widths but nothing is truncated, so
 * `snapshot-delete` (15 chars) overflows the 12-wide lock column; we therefore split on runs of
 * whitespace, which is safe because neither status, lock nor name can contain whitespace
 * (pct strips all whitespace from the name). A row has 4 fields with a lock, 3 without.
 * No containers → no output at all, not even the header.
 */
export function parsePctList(stdout: string): PctListEntry[] {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return [];
  const [header, ...rows] = lines;
  if (header?.trim().split(/\s+/).join(' ') !== 'VMID Status Lock Name') {
    throw new UnrotError('E_HOST_OUTPUT', `pct list: unexpected header ${JSON.stringify(header)}`, { stdout });
  }
  return rows.map((row) => parseRow(row, stdout));
}

function parseRow(row: string, stdout: string): PctListEntry {
  const fields = row.trim().split(/\s+/);
  const bad = (why: string) => new UnrotError('E_HOST_OUTPUT', `pct list: ${why} in row ${JSON.stringify(row)}`, { stdout });
  const [vmidText, status] = fields;
  if (vmidText === undefined || !/^\d+$/.test(vmidText)) throw bad('no numeric VMID');
  if (status !== 'running' && status !== 'stopped') throw bad(`unknown status ${JSON.stringify(status)}`);
  const vmid = Number(vmidText);
  if (fields.length === 3) return { vmid, status, name: fields[2] as string };
  if (fields.length === 4) {
    // Not checked against PCT_LOCKS: a lock added by a later PVE is still a lock (a locked
    // container must be skipped), so an unknown value is kept rather than refused.
    return { vmid, status, lock: fields[2] as string, name: fields[3] as string };
  }
  throw bad(`${fields.length} fields`);
}
