import { describe, expect, it } from 'vitest';
import { parsePvesmStatus } from '../../src/host/index.js';
import { fixture } from './fixtures.js';

const expected = [
  { name: 'local', type: 'dir', status: 'active', totalKiB: 98497780, usedKiB: 12345678, availableKiB: 81085944, usedPercent: 12.53 },
  { name: 'nas-backup', type: 'nfs', status: 'disabled', totalKiB: 0, usedKiB: 0, availableKiB: 0, usedPercent: null },
];

describe('parsePvesmStatus', () => {
  it('parses the (KiB) header of libpve-storage-perl >= 9.0.14', () => {
    expect(parsePvesmStatus(fixture('pvesm-status-kib.txt'))).toEqual(expected);
  });

  it('parses the unit-less header of older versions the same way', () => {
    expect(parsePvesmStatus(fixture('pvesm-status-plain.txt'))).toEqual(expected);
  });

  it('refuses an unknown header or a malformed row', () => {
    expect(() => parsePvesmStatus('Storage Kind\nlocal dir\n')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
    const header = fixture('pvesm-status-kib.txt').split('\n')[0];
    expect(() => parsePvesmStatus(`${header}\nlocal dir active 1 2\n`)).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
  });
});
