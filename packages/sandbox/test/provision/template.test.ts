import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_DIR } from '../../src/provision/settings.js';
import { DEBIAN_MIRROR, ensureTemplate, removeInterfaceStanza } from '../../src/provision/template.js';

describe('the container template', () => {
  it('removes the eth0 stanza of a Debian interfaces file and keeps the rest', () => {
    // lxc 5.0.2's /usr/share/lxc/templates/lxc-debian writes lo + `auto eth0`/`iface eth0 inet dhcp`;
    // Debian's installer uses `allow-hotplug`, and stanzas may carry indented options and a `source` line.
    const debian = [
      'auto lo',
      'iface lo inet loopback',
      '',
      'allow-hotplug eth0',
      'auto eth0',
      'iface eth0 inet dhcp',
      '    hostname web101',
      '',
      'source /etc/network/interfaces.d/*',
      '',
    ].join('\n');
    expect(removeInterfaceStanza(debian, 'eth0')).toBe(
      ['auto lo', 'iface lo inet loopback', '', '', 'source /etc/network/interfaces.d/*', ''].join('\n'),
    );
  });

  it('is built once and cached, with apt pointed at the mirror debootstrap used', async () => {
    const cache = process.env['UNROT_SANDBOX_CACHE'] || DEFAULT_CACHE_DIR;
    const first = await ensureTemplate(cache);
    const again = await ensureTemplate(cache);
    expect(again).toEqual({ dir: first.dir, built: false, seconds: 0 });
    expect(await readFile(join(first.dir, 'etc/apt/sources.list'), 'utf8')).toBe(`deb ${DEBIAN_MIRROR} bookworm main\n`);
    expect(await readFile(join(first.dir, 'etc/os-release'), 'utf8')).toMatch(/VERSION_CODENAME=bookworm/);
    for (const bin of ['usr/bin/python3', 'lib/systemd/systemd', 'usr/bin/dbus-daemon'])
      expect(existsSync(join(first.dir, bin))).toBe(true);
    expect((await readdir(cache)).filter((n) => n.includes('.partial-'))).toEqual([]);
  });
});
