import { describe, expect, it } from 'vitest';
import { decodeText, flattenPctConfig, parsePctConfig } from '../../src/host/index.js';
import { fixture } from './fixtures.js';

describe('parsePctConfig', () => {
  it('maps keys to raw values, URI-decodes the description and keeps raw lxc.* lines in order', () => {
    const parsed = parsePctConfig(fixture('pct-config-unprivileged.txt'));
    expect(parsed.values).toMatchObject({
      description: 'foo\n',
      features: 'nesting=1',
      lock: 'backup',
      parent: 'snap2',
      rootfs: 'local-lvm:vm-100-disk-0,size=8G',
      tags: 'a;b',
      unprivileged: '1',
      net0: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth',
    });
    expect(parsed.lxc).toEqual([
      { key: 'lxc.cgroup2.devices.allow', value: 'c 10:200 rwm' },
      { key: 'lxc.mount.entry', value: '/dev/net dev/net none bind,create=dir' },
      { key: 'lxc.mount.entry', value: '/srv/data srv/data none bind,create=dir' },
    ]);
  });

  it('flattens to the Host.readConfig record, joining a repeated lxc key with newlines', () => {
    const flat = flattenPctConfig(parsePctConfig(fixture('pct-config-unprivileged.txt')));
    expect(flat['lxc.mount.entry']).toBe('/dev/net dev/net none bind,create=dir\n/srv/data srv/data none bind,create=dir');
    expect(flat['lxc.cgroup2.devices.allow']).toBe('c 10:200 rwm');
    expect(flat['unprivileged']).toBe('1');
  });

  it('has no unprivileged key for a privileged container', () => {
    const flat = flattenPctConfig(parsePctConfig(fixture('pct-config-privileged.txt')));
    expect(flat['unprivileged']).toBeUndefined();
    expect(flat['ostype']).toBe('redhat');
  });

  it('reverses encode_text (:, %, control characters, UTF-8 bytes)', () => {
    expect(decodeText('line one%0Aport%3A 80, 100%25 %C3%A9t%C3%A9%0A')).toBe('line one\nport: 80, 100% été\n');
    // Not valid percent-encoded UTF-8: kept as printed instead of failing the whole read.
    expect(decodeText('bad %FF byte')).toBe('bad %FF byte');
  });

  it('refuses a line that is not key: value', () => {
    expect(() => parsePctConfig('arch: amd64\nthis is not config\n')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
  });
});
