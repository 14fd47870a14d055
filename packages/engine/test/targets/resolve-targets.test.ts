import type { ContainerInfo } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { resolveTargets } from '../../src/targets/resolve-targets.js';

const ct = (vmid: number, name: string, extra: Partial<ContainerInfo> = {}): ContainerInfo => ({
  vmid,
  name,
  status: 'running',
  tags: [],
  unprivileged: true,
  template: false,
  ...extra,
});

const fleet = [
  ct(103, 'db01', { tags: ['db', 'prod'] }),
  ct(101, 'web01', { tags: ['web', 'prod'] }),
  ct(102, 'web02', { tags: ['web'], status: 'stopped' }),
  ct(104, 'build', { lock: 'backup' }),
  ct(105, 'tmpl', { template: true }),
  ct(106, 'off'),
];
const enabled = (vmid: number) => vmid !== 106;

describe('resolveTargets', () => {
  it('selects everything by default and says why each other container is skipped', () => {
    const d = resolveTargets(fleet, {}, {}, enabled);
    expect(d.map((x) => [x.vmid, x.selected, x.reason ?? null])).toEqual([
      [101, true, null],
      [102, false, 'stopped'],
      [103, true, null],
      [104, false, 'locked'],
      [105, false, 'template'],
      [106, false, 'disabled'],
    ]);
    expect(d.find((x) => x.vmid === 104)?.detail).toContain("'backup'");
  });

  it('matches by tag, name glob and allow list; deny wins', () => {
    const d = resolveTargets(fleet, { tags: ['db'], names: ['web*'], allow: [106], deny: [101] }, {}, () => true);
    const sel = d.filter((x) => x.selected).map((x) => x.vmid);
    expect(sel).toEqual([103, 106]);
    expect(d.find((x) => x.vmid === 101)?.reason).toBe('denied');
    expect(d.find((x) => x.vmid === 104)?.reason).toBe('not-matched');
    expect(d.find((x) => x.vmid === 102)?.reason).toBe('stopped');
  });

  it('narrows to a partial fleet from the command line', () => {
    expect(
      resolveTargets(fleet, {}, { cts: [101] }, enabled)
        .filter((x) => x.selected)
        .map((x) => x.vmid),
    ).toEqual([101]);
    const byTag = resolveTargets(fleet, {}, { tags: ['PROD'] }, enabled);
    expect(byTag.filter((x) => x.selected).map((x) => x.vmid)).toEqual([101, 103]);
    expect(byTag.find((x) => x.vmid === 106)?.reason).toBe('not-in-cli-selection');
    expect(byTag).toHaveLength(fleet.length);
  });
});
