import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PctHost } from '../../src/host/index.js';
import { createFakeTools, type FakeTools, q } from './fake-tools.js';
import { FIXTURES } from './fixtures.js';

const f = (name: string) => q(join(FIXTURES, name));
let tools: FakeTools;

beforeEach(() => {
  tools = createFakeTools();
});
afterEach(() => tools.cleanup());

/** pvesh that answers only the exact list call PctHost must make, with the given fixture. */
function fakePvesh(fixtureName: string): void {
  tools.write(
    'pvesh',
    `[ "$*" = "get /nodes/pve/lxc --output-format json" ] || { echo "unexpected pvesh call: $*" >&2; exit 2; }
cat ${f(fixtureName)}`,
  );
}

describe('PctHost.listContainers (stand-in pct/pvesh on PATH)', () => {
  it('returns an empty list when the node has no containers, without calling pct', async () => {
    fakePvesh('pvesh-lxc-empty.json');
    tools.write('pct', 'echo "pct must not be called" >&2; exit 99');
    const host = new PctHost({ node: 'pve', path: tools.path });
    expect(await host.listContainers()).toEqual([]);
  });

  it('merges pvesh status with each pct config, and drops a container deleted between the two reads', async () => {
    fakePvesh('pvesh-lxc-three.json');
    tools.write(
      'pct',
      `[ "$1" = config ] || exit 2
case "$2" in
  100) cat ${f('pct-config-unprivileged.txt')};;
  900) cat ${f('pct-config-template.txt')};;
  101) cat ${f('pct-err-config-missing-101.txt')} >&2; exit 255;;
  *) exit 3;;
esac`,
    );
    const host = new PctHost({ node: 'pve', path: tools.path });
    expect(await host.listContainers()).toEqual([
      {
        vmid: 100,
        name: 'web01',
        status: 'running',
        tags: ['a', 'b'],
        unprivileged: true,
        template: false,
        lock: 'backup',
        ostype: 'debian',
      },
      { vmid: 900, name: 'tmpl-debian', status: 'stopped', tags: [], unprivileged: true, template: true, lock: 'backup', ostype: 'debian' },
    ]);
  });

  it('reports a privileged container (no unprivileged key) and accepts a string vmid', async () => {
    fakePvesh('pvesh-lxc-vmid-string.json');
    tools.write('pct', `[ "$*" = "config 101" ] || exit 2\ncat ${f('pct-config-privileged.txt')}`);
    const host = new PctHost({ node: 'pve', path: tools.path });
    expect(await host.listContainers()).toEqual([
      { vmid: 101, name: 'db01', status: 'stopped', tags: ['db', 'prod'], unprivileged: false, template: false, ostype: 'redhat' },
    ]);
  });

  it('reads the configs with bounded concurrency', async () => {
    // Ten entries shaped like pvesh-lxc-vmid-int.json, VMIDs 101..110.
    const list = Array.from({ length: 10 }, (_, i) => ({ name: `ct${101 + i}`, status: 'running', type: 'lxc', vmid: 101 + i }));
    tools.write('pvesh', `echo ${q(JSON.stringify(list))}`);
    const inflight = join(tools.dir, 'inflight');
    const log = join(tools.dir, 'counts');
    tools.write(
      'pct',
      `mkdir -p ${q(inflight)}; touch ${q(inflight)}/$$; ls ${q(inflight)} | wc -l >> ${q(log)}
sleep 0.2; rm ${q(inflight)}/$$; cat ${f('pct-config-privileged.txt')}`,
    );
    const host = new PctHost({ node: 'pve', path: tools.path, configConcurrency: 3 });
    expect((await host.listContainers()).map((c) => c.vmid)).toEqual([101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
    const counts = readFileSync(log, 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(10);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
    expect(Math.max(...counts)).toBeGreaterThan(1);
  });

  it('fails with E_EXEC_FAILED when pvesh fails, keeping its stderr', async () => {
    tools.write('pvesh', `echo "ipcc_send_rec[1] failed: Connection refused" >&2; exit 255`);
    const host = new PctHost({ node: 'pve', path: tools.path });
    await expect(host.listContainers()).rejects.toMatchObject({
      code: 'E_EXEC_FAILED',
      details: { exitCode: 255, stderr: 'ipcc_send_rec[1] failed: Connection refused\n' },
    });
  });

  it('fails with E_HOST_OUTPUT when pvesh prints something that is not the JSON list', async () => {
    tools.write('pvesh', 'echo "┌──────┐"');
    await expect(new PctHost({ node: 'pve', path: tools.path }).listContainers()).rejects.toMatchObject({ code: 'E_HOST_OUTPUT' });
  });
});

describe('PctHost.readConfig / status / listSnapshots / storageStatus', () => {
  beforeEach(() => {
    tools.write(
      'pct',
      `case "$*" in
  "config 101") cat ${f('pct-config-unprivileged.txt')};;
  "status 101") cat ${f('pct-status-running.txt')};;
  "status 102") cat ${f('pct-status-stopped.txt')};;
  "listsnapshot 101") cat ${f('pct-listsnapshot-two.txt')};;
  *) printf "Configuration file 'nodes/pve/lxc/%s.conf' does not exist\\n" "$2" >&2; exit 255;;
esac`,
    );
    tools.write('pvesm', `[ "$*" = status ] || exit 2\ncat ${f('pvesm-status-kib.txt')}`);
  });

  it('reads a config into key → raw value, description decoded, lxc lines kept', async () => {
    const config = await new PctHost({ node: 'pve', path: tools.path }).readConfig(101);
    expect(config).toMatchObject({ unprivileged: '1', description: 'foo\n', tags: 'a;b', 'lxc.cgroup2.devices.allow': 'c 10:200 rwm' });
  });

  it('throws E_CT_NOT_FOUND for an unknown container, from pct’s exact text', async () => {
    const host = new PctHost({ node: 'pve', path: tools.path });
    await expect(host.readConfig(555)).rejects.toMatchObject({ code: 'E_CT_NOT_FOUND', details: { vmid: 555, exitCode: 255 } });
    await expect(host.status(555)).rejects.toMatchObject({ code: 'E_CT_NOT_FOUND' });
  });

  it('reads the status', async () => {
    const host = new PctHost({ node: 'pve', path: tools.path });
    expect(await host.status(101)).toBe('running');
    expect(await host.status(102)).toBe('stopped');
  });

  it('lists snapshots and storages with the parsers ready for the snapshot step', async () => {
    const host = new PctHost({ node: 'pve', path: tools.path });
    expect((await host.listSnapshots(101)).map((s) => s.name)).toEqual(['first', 'second', 'current']);
    expect((await host.storageStatus()).map((s) => [s.name, s.status])).toEqual([
      ['local', 'active'],
      ['nas-backup', 'disabled'],
    ]);
  });

  it('refuses an invalid VMID before running anything', async () => {
    await expect(new PctHost({ node: 'pve', path: tools.path }).readConfig(42)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
