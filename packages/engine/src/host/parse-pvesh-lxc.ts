import { UnrotError } from '@unrot/sdk';
import { splitTags } from './parse-tags.js';

export interface PveshLxcEntry {
  vmid: number;
  status: 'running' | 'stopped' | 'unknown';
  name: string;
  tags: string[];
  /** Set only when the container is locked. */
  lock?: string;
  template: boolean;
}

/**
 * Parses `pvesh get /nodes/<node>/lxc --output-format json`: one JSON array in hash order
 * (we sort by VMID). `vmid` is an integer since pve-container 5.0.10 and a string before;
 * both are accepted. `tags`, `lock` and `template` are present only when set.
 */
export function parsePveshLxc(stdout: string): PveshLxcEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (error) {
    throw new UnrotError(
      'E_HOST_OUTPUT',
      'pvesh get /nodes/<node>/lxc: output is not JSON',
      { stdout: stdout.slice(0, 2000) },
      { cause: error },
    );
  }
  if (!Array.isArray(data))
    throw new UnrotError('E_HOST_OUTPUT', 'pvesh get /nodes/<node>/lxc: expected a JSON array', { stdout: stdout.slice(0, 2000) });
  return data.map((item: unknown) => parseEntry(item)).sort((a, b) => a.vmid - b.vmid);
}

function parseEntry(item: unknown): PveshLxcEntry {
  const bad = (why: string) => new UnrotError('E_HOST_OUTPUT', `pvesh get /nodes/<node>/lxc: ${why}`, { entry: item });
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad('an element is not an object');
  const e = item as Record<string, unknown>;
  const vmid = toVmid(e['vmid']);
  if (vmid === undefined) throw bad(`invalid vmid ${JSON.stringify(e['vmid'])}`);
  const status = e['status'] === 'running' || e['status'] === 'stopped' ? e['status'] : 'unknown';
  const name = typeof e['name'] === 'string' && e['name'] !== '' ? e['name'] : `CT${vmid}`;
  const entry: PveshLxcEntry = {
    vmid,
    status,
    name,
    tags: typeof e['tags'] === 'string' ? splitTags(e['tags']) : [],
    template: e['template'] === 1 || e['template'] === '1' || e['template'] === true,
  };
  if (typeof e['lock'] === 'string' && e['lock'] !== '') entry.lock = e['lock'];
  return entry;
}

function toVmid(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 100 && n <= 999_999_999 ? n : undefined;
}
