import { describe, expect, it } from 'vitest';
import { parseListSnapshot } from '../../src/host/index.js';
import { fixture } from './fixtures.js';

describe('parseListSnapshot', () => {
  it('parses the reference chain first → second → current', () => {
    expect(parseListSnapshot(fixture('pct-listsnapshot-two.txt'))).toEqual([
      { name: 'first', parent: null, depth: 0, time: '2024-05-01 10:00:00', description: 'before upgrade', current: false },
      { name: 'second', parent: 'first', depth: 1, time: '2024-05-02 11:30:00', description: 'no-description', current: false },
      { name: 'current', parent: 'second', depth: 2, time: null, description: 'You are here!', current: true },
    ]);
  });

  it('parses a container without snapshots (only current)', () => {
    expect(parseListSnapshot(fixture('pct-listsnapshot-none.txt'))).toEqual([
      { name: 'current', parent: null, depth: 0, time: null, description: 'You are here!', current: true },
    ]);
  });

  it('parses several roots and branches with the 4-space indent the PVE source prints', () => {
    const entries = parseListSnapshot(fixture('pct-listsnapshot-branched-4space.txt'));
    expect(entries.map((e) => [e.name, e.parent, e.depth])).toEqual([
      ['unrot-orphan', null, 0],
      ['first', null, 0],
      ['second', 'first', 1],
      ['current', 'first', 1],
    ]);
  });

  it('refuses output without a current entry or with foreign lines', () => {
    expect(() => parseListSnapshot('')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
    expect(() => parseListSnapshot('snapshot list:\n')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
  });
});
