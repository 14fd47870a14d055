/** storage_info for the sandbox's storages: sizes in bytes from statfs of each storage path (pvesm status, the API). */
import { statfsSync } from 'node:fs';
import type { StorageEntry } from '../storage-cfg.js';

export interface StorageInfo {
  id: string;
  type: string;
  content: string[];
  enabled: boolean;
  active: boolean;
  shared: boolean;
  total: number;
  used: number;
  avail: number;
}

export function storageInfo(storages: Map<string, StorageEntry>): StorageInfo[] {
  const out: StorageInfo[] = [];
  for (const s of storages.values()) {
    const info: StorageInfo = {
      id: s.id,
      type: s.type,
      content: s.content,
      enabled: !s.disabled,
      active: false,
      shared: s.options['shared'] === '1',
      total: 0,
      used: 0,
      avail: 0,
    };
    if (!s.disabled) {
      try {
        const st = statfsSync(s.path);
        info.active = true;
        info.total = st.blocks * st.bsize;
        info.used = (st.blocks - st.bfree) * st.bsize;
        info.avail = st.bavail * st.bsize;
      } catch {
        // a missing path is an inactive storage
      }
    }
    out.push(info);
  }
  return out;
}
