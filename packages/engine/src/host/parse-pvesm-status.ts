import { UnrotError } from '@unrot/sdk';

export interface PvesmStorage {
  name: string;
  type: string;
  status: 'active' | 'inactive' | 'disabled';
  totalKiB: number;
  usedKiB: number;
  availableKiB: number;
  /** Used percent; null when pvesm prints `N/A` (a disabled storage). */
  usedPercent: number | null;
}

// Both header variants: `Total Used Available` (libpve-storage-perl < 9.0.14) and
// `Total (KiB) Used (KiB) Available (KiB)` (9.0.14+, PVE 9.1). Values are KiB in both.
const HEADER = /^Name\s+Type\s+Status\s+Total(?: \(KiB\))?\s+Used(?: \(KiB\))?\s+Available(?: \(KiB\))?\s+%\s*$/;

/** Parses `pvesm status`. Storage IDs (pve-configid) contain no whitespace, so rows split on whitespace. */
export function parsePvesmStatus(stdout: string): PvesmStorage[] {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return [];
  const [header, ...rows] = lines;
  if (!HEADER.test(header as string)) {
    throw new UnrotError('E_HOST_OUTPUT', `pvesm status: unexpected header ${JSON.stringify(header)}`, { stdout });
  }
  return rows.map((row) => {
    const bad = (why: string) => new UnrotError('E_HOST_OUTPUT', `pvesm status: ${why} in row ${JSON.stringify(row)}`, { stdout });
    const fields = row.trim().split(/\s+/);
    if (fields.length !== 7) throw bad(`${fields.length} fields`);
    const [name, type, status, total, used, available, percent] = fields as [string, string, string, string, string, string, string];
    if (status !== 'active' && status !== 'inactive' && status !== 'disabled') throw bad(`unknown status ${JSON.stringify(status)}`);
    const kib = (text: string) => {
      if (!/^-?\d+$/.test(text)) throw bad(`non-integer size ${JSON.stringify(text)}`);
      return Number(text);
    };
    let usedPercent: number | null = null;
    if (percent !== 'N/A') {
      const m = /^(-?\d+(?:\.\d+)?)%$/.exec(percent);
      if (!m) throw bad(`bad percent ${JSON.stringify(percent)}`);
      usedPercent = Number(m[1]);
    }
    return { name, type, status, totalKiB: kib(total), usedKiB: kib(used), availableKiB: kib(available), usedPercent };
  });
}
