import { describe, expect, it } from 'vitest';
import { sandboxPaths } from '../../src/pve/sandbox-root.js';
import { defaultStorageCfg, parseStorageCfg, resolveVolume, sectionVolumes, volumeHasSnapshotFeature } from '../../src/pve/storage-cfg.js';

const paths = sandboxPaths({ UNROT_SANDBOX_ROOT: '/srv/sb', UNROT_SANDBOX_NODE: 'pve' });
const storages = parseStorageCfg(defaultStorageCfg(paths));

describe('sandbox paths', () => {
  it('derive everything from the root and the node name', () => {
    expect(paths).toMatchObject({
      root: '/srv/sb',
      node: 'pve',
      confDir: '/srv/sb/etc/pve/nodes/pve/lxc',
      lxcPath: '/srv/sb/lxc',
      lockDir: '/srv/sb/run/lock/lxc',
      storageCfg: '/srv/sb/etc/pve/storage.cfg',
      btrfsPath: '/srv/sb/storage/btrfs',
      dirPath: '/srv/sb/storage/dir',
      dumpDir: '/srv/sb/storage/dir/dump',
    });
    expect(paths.confPath(100)).toBe('/srv/sb/etc/pve/nodes/pve/lxc/100.conf');
    expect(sandboxPaths({}).root).toBe('/var/lib/unrot-sandbox');
  });
});

describe('storage.cfg', () => {
  it('parses type, id, path, content and disable', () => {
    const cfg = parseStorageCfg(
      'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nnfs: nas\n\tpath /mnt/pve/nas\n\tdisable\n',
    );
    expect(cfg.get('local')).toMatchObject({ type: 'dir', path: '/var/lib/vz', content: ['iso', 'vztmpl', 'backup'], disabled: false });
    expect(cfg.get('nas')).toMatchObject({ type: 'nfs', disabled: true });
    expect([...storages.keys()]).toEqual(['local-btrfs', 'local']);
  });

  it('resolves volids to paths like PVE::Storage::path', () => {
    expect(resolveVolume(storages, 'local-btrfs:subvol-100-disk-0').path).toBe('/srv/sb/storage/btrfs/images/100/subvol-100-disk-0');
    expect(resolveVolume(storages, 'local-btrfs:100/subvol-100-disk-0.subvol').path).toBe(
      '/srv/sb/storage/btrfs/images/100/subvol-100-disk-0.subvol',
    );
    expect(resolveVolume(storages, 'local:101/subvol-101-disk-0.subvol').path).toBe(
      '/srv/sb/storage/dir/images/101/subvol-101-disk-0.subvol',
    );
    expect(resolveVolume(storages, 'local:backup/vzdump-lxc-100-2025_08_20-10_00_00.tar.zst').path).toBe(
      '/srv/sb/storage/dir/dump/vzdump-lxc-100-2025_08_20-10_00_00.tar.zst',
    );
    expect(resolveVolume(storages, '/srv/data').path).toBe('/srv/data');
    expect(() => resolveVolume(storages, 'nope:x')).toThrow("storage 'nope' does not exist");
  });

  it('has the snapshot feature on btrfs only, never for bind mounts (§12)', () => {
    expect(volumeHasSnapshotFeature(storages, 'local-btrfs:subvol-100-disk-0')).toBe(true);
    expect(volumeHasSnapshotFeature(storages, 'local:101/subvol-101-disk-0.subvol')).toBe(false);
    expect(volumeHasSnapshotFeature(storages, '/srv/data')).toBe(false);
  });

  it('finds rootfs and every mpN as volumes', () => {
    expect(
      sectionVolumes({
        rootfs: 'local-btrfs:subvol-100-disk-0,size=8G',
        mp0: '/srv/data,mp=/data',
        mp10: 'local:100/x.subvol,mp=/x',
        hostname: 'a',
      }),
    ).toEqual([
      { key: 'mp0', volid: '/srv/data' },
      { key: 'mp10', volid: 'local:100/x.subvol' },
      { key: 'rootfs', volid: 'local-btrfs:subvol-100-disk-0' },
    ]);
  });
});
