import { randomBytes } from 'node:crypto';

/** Sortable and unique: `20261126T021500Z-3fa9c2`. Valid in file names and Proxmox snapshot descriptions. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
