import { describe, expect, it } from 'vitest';
import { applyPending, decodeText, encodeText, formatConfigForCli, parsePveConfig, writePveConfig } from '../../src/pve/pve-config.js';

// pct-reference.md §3: pve-container src/test/snapshot-expected/create/lxc/102.conf. The reference
// abridges it with "..."; the elided keys are filled with the ones the main section shows.
const FIXTURE_102 = `hostname: test
memory: 2048
ostype: redhat
parent: test2
rootfs: local:snapshotable-disk-1
swap: 512

[test]
#test comment
hostname: test
memory: 2048
ostype: redhat
rootfs: local:snapshotable-disk-1
snaptime: 1234567890
swap: 512

[test2]
#test comment
hostname: test
memory: 2048
ostype: redhat
parent: test
rootfs: local:snapshotable-disk-1
snaptime: 1234567890
swap: 512
`;

describe('pve conf parser/writer', () => {
  it('round-trips the reference fixture byte for byte', () => {
    const conf = parsePveConfig(FIXTURE_102);
    expect(conf.keys['parent']).toBe('test2');
    expect(Object.keys(conf.snapshots)).toEqual(['test', 'test2']);
    expect(conf.snapshots['test']!.description).toBe('test comment\n');
    expect(conf.snapshots['test2']!.keys['parent']).toBe('test');
    expect(writePveConfig(conf)).toBe(FIXTURE_102);
  });

  it('writes description first, keys sorted (mp10 before mp2), raw lxc lines after, snapshots sorted', () => {
    const conf = parsePveConfig(
      'lxc.init.cmd: /bin/sleep infinity\nmp2: /b,mp=/b\nmp10: /a,mp=/a\n#first line\n#second: 100%\nlxc.net.0.type = none\narch: amd64\n\n[zeta]\nsnaptime: 2\n\n[alpha]\nsnaptime: 1\n',
    );
    expect(writePveConfig(conf)).toBe(
      '#first line\n#second%3A 100%25\narch: amd64\nmp10: /a,mp=/a\nmp2: /b,mp=/b\nlxc.init.cmd: /bin/sleep infinity\nlxc.net.0.type: none\n\n[alpha]\nsnaptime: 1\n\n[zeta]\nsnaptime: 2\n',
    );
  });

  it('keeps snapstate inside snapshot sections but never in the main section', () => {
    const conf = parsePveConfig('hostname: a\nsnapstate: prepare\n\n[s1]\nsnapstate: prepare\nsnaptime: 5\n');
    expect(conf.keys['snapstate']).toBeUndefined();
    expect(conf.snapshots['s1']!.keys['snapstate']).toBe('prepare');
    expect(writePveConfig(conf)).toBe('hostname: a\n\n[s1]\nsnapstate: prepare\nsnaptime: 5\n');
  });

  it('writes a pending section before snapshots and applies it for display', () => {
    const conf = parsePveConfig('memory: 512\n\n[pve:pending]\nmemory: 1024\n\n[s1]\nmemory: 256\nsnaptime: 1\n');
    expect(conf.pending.keys['memory']).toBe('1024');
    expect(writePveConfig(conf)).toBe('memory: 512\n\n[pve:pending]\nmemory: 1024\n\n[s1]\nmemory: 256\nsnaptime: 1\n');
    expect(applyPending(conf).keys['memory']).toBe('1024');
  });

  it('encode_text escapes control characters, bytes >= 0x80, ":" and "%"', () => {
    expect(encodeText('foo\n')).toBe('foo%0A');
    expect(encodeText('a:b%c')).toBe('a%3Ab%25c');
    expect(encodeText('é')).toBe('%C3%A9');
    expect(decodeText('a%3Ab%25c%C3%A9')).toBe('a:b%cé');
  });

  it('pct config prints a description read from # lines as foo%0A (reference §3)', () => {
    const conf = parsePveConfig('#foo\nunprivileged: 1\nlxc.init.cmd: /bin/sleep infinity\nhostname: web01\n');
    expect(formatConfigForCli(conf)).toBe('description: foo%0A\nhostname: web01\nunprivileged: 1\nlxc.init.cmd: /bin/sleep infinity\n');
  });

  it('keeps a description given as a description: key', () => {
    const conf = parsePveConfig('description: hello%3A world\nhostname: x\n');
    expect(conf.description).toBe('hello: world');
    expect(writePveConfig(conf)).toBe('#hello%3A world\nhostname: x\n');
  });
});
