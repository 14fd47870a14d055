/**
 * Proxmox task ids (pve-common PVE/UPID.pm): `UPID:node:PID8:PSTART8:STARTTIME8:type:id:user:`,
 * the numbers as upper-case hex padded to 8 digits (pstart may grow to 9).
 */
export interface UpidInfo {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

export function encodeUpid(u: UpidInfo): string {
  return `UPID:${u.node}:${hex8(u.pid)}:${hex8(u.pstart)}:${hex8(u.starttime)}:${u.type}:${u.id}:${u.user}:`;
}

const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/** UPID.pm decode; undefined for anything else (the caller dies "unable to parse worker upid"). */
export function decodeUpid(upid: string): UpidInfo | undefined {
  const m = UPID_RE.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1]!,
    pid: Number.parseInt(m[2]!, 16),
    pstart: Number.parseInt(m[3]!, 16),
    starttime: Number.parseInt(m[4]!, 16),
    type: m[5]!,
    id: m[6]!,
    user: m[7]!,
  };
}

/** The task log's sub-directory: the last hex digit of the start time (`substr($5, 7, 8)`). */
export function upidLogSubdir(upid: string): string | undefined {
  const m = UPID_RE.exec(upid);
  return m ? m[4]!.slice(7, 8) : undefined;
}

/**
 * read_status: the exit status from a task log's last line: `OK`, `WARNINGS: n`, the error
 * text, or Proxmox's own words for a log that does not end like a task.
 */
export function statusFromLog(text: string): string {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  if (last === undefined) return 'unable to read tail (got 0 bytes)';
  if (last === 'TASK OK') return 'OK';
  const err = /^TASK ERROR: (.+)$/.exec(last);
  if (err) return err[1]!;
  const warn = /^TASK (WARNINGS: \d+)$/.exec(last);
  if (warn) return warn[1]!;
  return 'unexpected status';
}
