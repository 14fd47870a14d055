/** The lock values pve-container knows (`LXC/Config.pm` $confdesc `lock` enum, unchanged in PVE 9). */
export const PCT_LOCKS = [
  'backup',
  'create',
  'destroyed',
  'disk',
  'fstrim',
  'migrate',
  'mounted',
  'rollback',
  'snapshot',
  'snapshot-delete',
] as const;

export type PctLock = (typeof PCT_LOCKS)[number];

export function isKnownLock(value: string): value is PctLock {
  return (PCT_LOCKS as readonly string[]).includes(value);
}
