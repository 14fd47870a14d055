import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ListedReading } from '../../src/host/host.js';
import { PctHost } from '../../src/host/index.js';
import { LISTING_FRESH_MS } from '../../src/lifecycle/container-steps.js';
import { createFakeTools, type FakeTools, q } from '../host/fake-tools.js';
import { FIXTURES } from '../host/fixtures.js';
import { pipelineCase, VMID } from './memory-pipeline.js';

// Issue 16: the pre-flight takes the run's listing of the container (status and config, read a
// moment earlier) instead of `pct status` + `pct config` again, while that listing is fresh.

const reading = (ageMs: number, config: Record<string, string> = {}, status: ListedReading['status'] = 'running'): ListedReading => ({
  status,
  config: { rootfs: 'local-btrfs:subvol-101-disk-0,size=8G', ...config },
  readAtMs: Date.now() - ageMs,
});

describe('pre-flight and the run listing', () => {
  it('takes a fresh listing: no status or config read before the runners start', async () => {
    const c = await pipelineCase({ task: { listed: reading(0) } });
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    const beforeDetect = c.host.ops().slice(
      0,
      c.host.ops().findIndex((call) => call.op === 'exec'),
    );
    expect(beforeDetect.map((call) => call.op)).not.toContain('status');
    expect(beforeDetect.map((call) => call.op)).not.toContain('readConfig');
  });

  it('skips a container the fresh listing found locked or stopped, as its own reads would', async () => {
    const locked = await pipelineCase({ task: { listed: reading(0, { lock: 'backup' }) } });
    expect(await locked.run()).toMatchObject({ outcome: 'skipped', skipReason: 'locked', changingCommands: 0 });
    const stopped = await pipelineCase({ task: { listed: reading(0, {}, 'stopped') } });
    expect(await stopped.run()).toMatchObject({ outcome: 'skipped', skipReason: 'stopped', changingCommands: 0 });
    expect([...locked.host.ops(), ...stopped.host.ops()].map((call) => call.op)).not.toContain('exec');
  });

  it('reads status and config again when the listing is older than LISTING_FRESH_MS, and the host wins', async () => {
    // The listing said "running, no lock"; since then a backup job locked the container.
    const c = await pipelineCase({
      task: { listed: reading(LISTING_FRESH_MS + 1000) },
      host: { containers: [{ vmid: VMID, lock: 'backup' }] },
    });
    expect(await c.run()).toMatchObject({ outcome: 'skipped', skipReason: 'locked' });
    expect(c.host.ops().map((call) => call.op)).toEqual(expect.arrayContaining(['status', 'readConfig']));
  });

  it('reads both when the task carries no listing (a host that keeps none)', async () => {
    const c = await pipelineCase();
    await c.run();
    expect(
      c.host
        .ops()
        .slice(0, 2)
        .map((call) => call.op),
    ).toEqual(['status', 'readConfig']);
  });
});

describe('PctHost.listedReading', () => {
  let tools: FakeTools | undefined;
  afterEach(() => tools?.cleanup());

  it('keeps what its last listing read of each container: the listing status and the config', async () => {
    tools = createFakeTools();
    tools.write('pvesh', `cat ${q(join(FIXTURES, 'pvesh-lxc-vmid-string.json'))}`);
    tools.write('pct', `[ "$*" = "config 101" ] || exit 2\ncat ${q(join(FIXTURES, 'pct-config-privileged.txt'))}`);
    const host = new PctHost({ node: 'pve', path: tools.path });
    expect(host.listedReading(101)).toBeUndefined();
    const before = Date.now();
    await host.listContainers();
    const kept = host.listedReading(101);
    expect(kept).toMatchObject({ status: 'stopped', config: await host.readConfig(101) });
    expect(kept?.readAtMs).toBeGreaterThanOrEqual(before);
    expect(host.listedReading(102)).toBeUndefined();
  });
});
