/**
 * Every literal example in /work/shared/notes/pct-reference.md compared with the stand-in's
 * formatters, fed with the reference's own inputs.
 */
import { describe, expect, it } from 'vitest';
import { type CommandSpec, parseCommand, vmidError } from '../../src/pve/cli/getopt.js';
import { archiveTimestamp, formatDuration, formatSize } from '../../src/pve/ops/archive.js';
import { formatPctList, formatPvesmStatus, formatSnapshotTree } from '../../src/pve/ops/formats.js';
import { canonicalJson, canonicalJsonPretty, formatStatusVerbose, vmStatus } from '../../src/pve/ops/vmstatus.js';
import { parsePveConfig } from '../../src/pve/pve-config.js';
import type { PveError } from '../../src/pve/pve-errors.js';
import { normalizeTags } from '../../src/pve/tags.js';

/** Epoch seconds of a local wall-clock time, so listsnapshot's localtime prints it back in any TZ. */
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number) => new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;

describe('pct list (§1)', () => {
  it('prints the reference example byte for byte, trailing spaces included', () => {
    const out = formatPctList([
      { vmid: 101, status: 'stopped', lock: 'backup', name: 'db01' },
      { vmid: 100, status: 'running', lock: '', name: 'web01' },
    ]);
    expect(out).toBe(
      'VMID       Status     Lock         Name                \n' +
        '100        running                 web01               \n' +
        '101        stopped    backup       db01                \n',
    );
  });

  it('prints nothing at all, not even the header, without containers', () => {
    expect(formatPctList([])).toBe('');
  });

  it('lets snapshot-delete (15 characters) break the column alignment', () => {
    expect(formatPctList([{ vmid: 100, status: 'running', lock: 'snapshot-delete', name: 'web01' }]).split('\n')[1]).toBe(
      '100        running    snapshot-delete web01               ',
    );
  });

  it('sorts rows numerically by VMID', () => {
    const out = formatPctList([
      { vmid: 1000, status: 'stopped', lock: '', name: 'a' },
      { vmid: 200, status: 'stopped', lock: '', name: 'b' },
    ]);
    expect(out.split('\n').map((l) => l.split(' ')[0])).toEqual(['VMID', '200', '1000', '']);
  });
});

describe('vmstatus: pct status --verbose and pvesh JSON (§1, §2)', () => {
  const conf = parsePveConfig(
    'cores: 2\nhostname: db01\nmemory: 2048\nrootfs: local-btrfs:subvol-101-disk-0,size=8G\nswap: 512\ntags: db;prod\n',
  );
  const d = vmStatus(101, conf, false);

  it('matches the stopped --verbose example of §2', () => {
    expect(formatStatusVerbose(d)).toBe(
      [
        'cpus: 2',
        'disk: 0',
        'diskread: 0',
        'diskwrite: 0',
        'maxdisk: 8589934592',
        'maxmem: 2147483648',
        'maxswap: 536870912',
        'mem: 0',
        'name: db01',
        'netin: 0',
        'netout: 0',
        'status: stopped',
        'swap: 0',
        'tags: db;prod',
        'type: lxc',
        'uptime: 0',
        'vmid: 101',
        '',
      ].join('\n'),
    );
  });

  it('matches the derived pvesh JSON example of §1 (one line, keys sorted, vmid an integer)', () => {
    expect(canonicalJson([d])).toBe(
      '[{"cpu":0,"cpus":2,"disk":0,"diskread":0,"diskwrite":0,"maxdisk":8589934592,"maxmem":2147483648,"maxswap":536870912,"mem":0,"name":"db01","netin":0,"netout":0,"status":"stopped","swap":0,"tags":"db;prod","type":"lxc","uptime":0,"vmid":101}]',
    );
  });

  it('json-pretty looks like Perl JSON->pretty->canonical (3 spaces, " : ")', () => {
    expect(canonicalJsonPretty([{ vmid: 1, name: 'a', tags: [] }])).toBe(
      '[\n   {\n      "name" : "a",\n      "tags" : [],\n      "vmid" : 1\n   }\n]',
    );
  });

  it('adds lock and template only when set, and names a CT without hostname CT<vmid>', () => {
    const s = vmStatus(105, parsePveConfig('lock: backup\ntemplate: 1\nrootfs: local:105/subvol-105-disk-0.subvol,size=0\n'), false);
    expect(s['lock']).toBe('backup');
    expect(s['template']).toBe(1);
    expect(s['name']).toBe('CT105');
    expect(s['maxdisk']).toBe(4 * 1024 ** 3);
    expect('tags' in d && !('lock' in d) && !('template' in d) && !('pid' in d)).toBe(true);
  });

  it('removes all whitespace from the name', () => {
    expect(vmStatus(100, parsePveConfig('hostname: web 01\n'), false)['name']).toBe('web01');
  });
});

describe('pct listsnapshot (§5)', () => {
  it('prints the reference tree', () => {
    const out = formatSnapshotTree([
      { name: 'second', snaptime: local(2024, 5, 2, 11, 30, 0), parent: 'first' },
      { name: 'first', snaptime: local(2024, 5, 1, 10, 0, 0), description: 'before upgrade\n' },
      { name: 'current', description: 'You are here!', parent: 'second' },
    ]);
    expect(out).toBe(
      '`-> first                       2024-05-01 10:00:00     before upgrade\n' +
        ' `-> second                     2024-05-02 11:30:00     no-description\n' +
        '  `-> current                                           You are here!\n',
    );
  });

  it('prints only current when there are no snapshots', () => {
    expect(formatSnapshotTree([{ name: 'current', description: 'You are here!' }])).toBe(
      // name padded to 30 - length('`->') = 27, then an empty %-23s time column
      `\`-> ${'current'.padEnd(27)} ${''.padEnd(23)} You are here!\n`,
    );
  });

  it('uses only the first description line and sorts siblings by snaptime with current last', () => {
    const out = formatSnapshotTree([
      { name: 'current', description: 'You are here!', parent: 'a' },
      { name: 'c', snaptime: local(2024, 1, 3, 0, 0, 0), parent: 'a', description: 'line one\nline two\n' },
      { name: 'b', snaptime: local(2024, 1, 2, 0, 0, 0), parent: 'a' },
      { name: 'a', snaptime: local(2024, 1, 1, 0, 0, 0) },
    ]);
    expect(out.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['`-> a', '`-> b', '`-> c', '`-> current', '']);
    expect(out).toContain(' line one\n');
  });
});

describe('pvesm status (§11)', () => {
  const rows = [
    { id: 'nas-backup', type: 'nfs', enabled: false, active: false, totalKiB: 0, usedKiB: 0, availKiB: 0 },
    { id: 'local', type: 'dir', enabled: true, active: true, totalKiB: 98497780, usedKiB: 12345678, availKiB: 81085944 },
  ];
  it('prints the PVE 9.1 example byte for byte', () => {
    expect(formatPvesmStatus(rows, false)).toBe(
      'Name              Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %\n' +
        'local              dir     active        98497780        12345678        81085944   12.53%\n' +
        'nas-backup         nfs   disabled               0               0               0      N/A\n',
    );
  });
  it('prints the pre-9.0.14 header when asked', () => {
    expect(formatPvesmStatus(rows, true).split('\n')[0]).toBe(
      'Name              Type     Status           Total            Used       Available        %',
    );
  });
});

describe('parameter handling (§0, §4)', () => {
  const snapSpec: CommandSpec = { prefix: 'pct snapshot', args: ['vmid', 'snapname'], options: { description: 'string' } };
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as PveError;
    }
    throw new Error('expected an error');
  };

  it('renders an unknown option like Getopt + PVE::Exception', () => {
    const e = err(() => parseCommand({ prefix: 'pct list', args: [], options: {} }, ['--output-format', 'json']));
    expect(e.message).toBe('Unknown option: output-format\n400 unable to parse option\npct list');
    expect(e.exitCode).toBe(255);
  });

  it('validates the vmid like pve-vmid', () => {
    expect(vmidError('99')).toBe('value must have a minimum value of 100');
    expect(vmidError('abc')).toBe("type check ('integer') failed - got 'abc'");
    expect(vmidError('1000000000')).toBe('value must have a maximum value of 999999999');
    expect(vmidError('100')).toBeUndefined();
    expect(err(() => parseCommand(snapSpec, ['99', 'x1'])).message).toBe(
      '400 Parameter verification failed.\nvmid: value must have a minimum value of 100\npct snapshot <vmid> <snapname> [OPTIONS]',
    );
  });

  it('accepts options anywhere before -- and booleans with or without a value', () => {
    const spec: CommandSpec = { prefix: 'pct exec', args: ['vmid'], options: { 'keep-env': 'boolean' }, extraArgs: true };
    expect(parseCommand(spec, ['100', '--keep-env', '0', '--', 'ls', '-la'])).toEqual({
      args: { vmid: '100' },
      opts: { 'keep-env': '0' },
      extra: ['ls', '-la'],
    });
    expect(parseCommand(spec, ['--keep-env', '100', 'ls']).opts['keep-env']).toBe('1');
    expect(err(() => parseCommand(spec, ['100', 'ls', '-la'])).message).toContain('Unknown option: la\n400 unable to parse option');
  });

  it('reports missing and surplus arguments', () => {
    expect(err(() => parseCommand(snapSpec, ['100'])).message).toBe('400 not enough arguments\npct snapshot <vmid> <snapname> [OPTIONS]');
    expect(err(() => parseCommand(snapSpec, ['100', 'a1', 'b'])).message).toBe(
      '400 too many arguments\npct snapshot <vmid> <snapname> [OPTIONS]',
    );
  });
});

describe('tags (§1)', () => {
  it('dedupes, lowercases and sorts case-insensitively, joined with ;', () => {
    expect(normalizeTags(['prod', 'DB', 'db'])).toBe('db;prod');
    expect(normalizeTags('b,a;C d')).toBe('a;b;c;d');
  });
  it('rejects invalid characters', () => {
    expect(() => normalizeTags('bad/tag')).toThrow('invalid characters in tag');
  });
});

describe('vzdump formats (§10)', () => {
  it('format_size uses integer KB/MB and %.2fGB', () => {
    expect(formatSize(432_013_312)).toBe('412MB');
    expect(formatSize(432_013_311)).toBe('411MB');
    expect(formatSize(2048)).toBe('2KB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3.00GB');
  });
  it('names archives with a localtime stamp and durations as HH:MM:SS', () => {
    expect(archiveTimestamp(new Date(2025, 7, 20, 10, 0, 0))).toBe('2025_08_20-10_00_00');
    expect(formatDuration(12)).toBe('00:00:12');
    expect(formatDuration(3723)).toBe('01:02:03');
  });
});
