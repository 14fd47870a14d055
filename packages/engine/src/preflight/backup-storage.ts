import type { EffectiveBackup } from '../config/effective-policy.js';
import type { PvesmStorage } from '../host/parse-pvesm-status.js';

/** Where this container's backup would be written: its rootfs storage for a snapshot, vzdump_storage for an archive. */
export function backupStorageOf(backup: EffectiveBackup, rootfsStorage: string | undefined): string | undefined {
  if (backup.mode === 'snapshot') return rootfsStorage;
  if (backup.mode === 'vzdump') return backup.vzdumpStorage;
  return undefined;
}

export type StorageVerdict =
  | { kind: 'ok'; usedPercent: number | null }
  /** Not usable at all: the container is skipped at once. */
  | { kind: 'unavailable'; detail: string }
  /** Too full: the container waits (backpressure) and starts once use is below the limit. */
  | { kind: 'full'; usedPercent: number; detail: string };

/** Judges one storage from `pvesm status` against preflight.max_storage_used_percent. */
export function judgeStorage(storages: readonly PvesmStorage[], name: string, limitPercent: number): StorageVerdict {
  const storage = storages.find((s) => s.name === name);
  if (!storage) return { kind: 'unavailable', detail: `backup storage '${name}' is not listed by pvesm status` };
  if (storage.status !== 'active') return { kind: 'unavailable', detail: `backup storage '${name}' is ${storage.status}` };
  if (storage.usedPercent !== null && storage.usedPercent > limitPercent) {
    return {
      kind: 'full',
      usedPercent: storage.usedPercent,
      detail: `backup storage '${name}' is ${storage.usedPercent.toFixed(2)}% used, above preflight.max_storage_used_percent ${limitPercent}`,
    };
  }
  return { kind: 'ok', usedPercent: storage.usedPercent };
}

/** How long one `pvesm status` answers for the containers of a worker thread (storage use moves slowly). */
export const STORAGE_STATUS_TTL_MS = 10_000;

let cached: { at: number; storages: PvesmStorage[] } | undefined;

/**
 * Judges the backup storage, reusing this thread's last `pvesm status` while it is recent and said
 * the storage was fine: one host call per thread every few seconds instead of one per container.
 * A verdict other than ok is always taken from a fresh reading, so a storage that was just freed
 * is seen at once.
 */
export async function judgeStorageCached(
  read: () => Promise<PvesmStorage[]>,
  name: string,
  limitPercent: number,
  now = Date.now(),
): Promise<StorageVerdict> {
  if (cached && now - cached.at < STORAGE_STATUS_TTL_MS) {
    const verdict = judgeStorage(cached.storages, name, limitPercent);
    if (verdict.kind === 'ok') return verdict;
  }
  cached = { at: now, storages: await read() };
  return judgeStorage(cached.storages, name, limitPercent);
}
