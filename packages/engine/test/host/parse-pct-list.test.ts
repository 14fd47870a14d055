import { describe, expect, it } from 'vitest';
import { parsePctList } from '../../src/host/index.js';
import { fixture } from './fixtures.js';

describe('parsePctList', () => {
  it('returns no containers for empty output (pct prints not even a header)', () => {
    expect(parsePctList(fixture('pct-list-empty.txt'))).toEqual([]);
    expect(parsePctList('')).toEqual([]);
  });

  it('parses normal rows with and without a lock, trailing spaces ignored', () => {
    expect(parsePctList(fixture('pct-list-two.txt'))).toEqual([
      { vmid: 100, status: 'running', name: 'web01' },
      { vmid: 101, status: 'stopped', lock: 'backup', name: 'db01' },
    ]);
  });

  it('handles snapshot-delete overflowing its column and a name that is a lock word', () => {
    expect(parsePctList(fixture('pct-list-snapshot-delete.txt'))).toEqual([
      { vmid: 100, status: 'running', name: 'web01' },
      { vmid: 102, status: 'stopped', lock: 'snapshot-delete', name: 'app-server-with-a-long-name' },
      { vmid: 103, status: 'running', lock: 'snapshot', name: 'backup' },
    ]);
  });

  it('refuses output it does not understand with E_HOST_OUTPUT', () => {
    expect(() => parsePctList('VMID Status Name\n100 running x\n')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
    expect(() => parsePctList('VMID       Status     Lock         Name\n100 paused x\n')).toThrow(
      expect.objectContaining({ code: 'E_HOST_OUTPUT' }),
    );
    expect(() => parsePctList('VMID       Status     Lock         Name\n100 running backup two words\n')).toThrow(
      expect.objectContaining({ code: 'E_HOST_OUTPUT' }),
    );
  });
});
