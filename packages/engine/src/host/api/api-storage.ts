import type { PvesmStorage } from '../parse-pvesm-status.js';
import type { ApiStorage } from './api-schemas.js';

const on = (flag: ApiStorage['active']) => flag === 1 || flag === true || flag === '1';

/**
 * `GET /nodes/{node}/storage` rows as `pvesm status` prints them (pvesm reads the same API):
 * bytes → KiB (integer), percent used with two decimals, `disabled` (enabled=0) without a percent.
 */
export function storageRows(list: readonly ApiStorage[]): PvesmStorage[] {
  return [...list]
    .sort((a, b) => (a.storage < b.storage ? -1 : a.storage > b.storage ? 1 : 0))
    .map((s) => {
      const disabled = s.enabled !== undefined && !on(s.enabled);
      const total = Number(s.total ?? 0);
      const used = Number(s.used ?? 0);
      const avail = Number(s.avail ?? 0);
      return {
        name: s.storage,
        type: s.type,
        status: disabled ? 'disabled' : on(s.active) ? 'active' : 'inactive',
        totalKiB: Math.floor(total / 1024),
        usedKiB: Math.floor(used / 1024),
        availableKiB: Math.floor(avail / 1024),
        usedPercent: disabled ? null : total > 0 ? Math.round((used / total) * 10000) / 100 : 0,
      };
    });
}
