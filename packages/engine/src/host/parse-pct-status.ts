import { UnrotError } from '@unrot/sdk';

export type PctStatus = 'running' | 'stopped' | 'unknown';

export interface ParsedPctStatus {
  status: PctStatus;
  /** Every `key: value` line; `pct status --verbose` prints many, plain `pct status` only `status`. */
  fields: Record<string, string>;
}

/** Parses `pct status VMID [--verbose]`. */
export function parsePctStatus(stdout: string): ParsedPctStatus {
  const fields: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([A-Za-z0-9_-]+): ?(.*)$/.exec(line);
    if (!m) throw new UnrotError('E_HOST_OUTPUT', `pct status: unexpected line ${JSON.stringify(line)}`, { stdout });
    fields[m[1] as string] = m[2] as string;
  }
  const status = fields['status'];
  if (status !== 'running' && status !== 'stopped' && status !== 'unknown') {
    throw new UnrotError('E_HOST_OUTPUT', `pct status: no valid status line in ${JSON.stringify(stdout)}`, { stdout });
  }
  return { status, fields };
}
