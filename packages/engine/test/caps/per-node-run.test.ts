import { join } from 'node:path';
import { type ContainerInfo, runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/host/memory-host.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from '../lifecycle/fake-host-harness.js';

// global.yml concurrency.per_node over a cluster's containers: the in-memory host lists each
// container with its node (as the API host does with host.cluster) and counts the applies in
// flight per node.

let cases: MemoryCases;
beforeAll(async () => {
  cases = await memoryCases();
});

const NODES: Record<number, string> = { 101: 'pve1', 102: 'pve1', 103: 'pve1', 104: 'pve2', 105: 'pve2', 106: 'pve2', 107: 'pve3' };
const VMIDS = Object.keys(NODES).map(Number);

class ClusterCountingHost extends MemoryHost {
  readonly applying = new Map<string, number>();
  readonly peak = new Map<string, number>();
  inFlight = 0;
  peakInFlight = 0;

  constructor(dir: string, workMs: number) {
    super({
      containers: VMIDS.map((vmid) =>
        memCt(vmid, 'running', { [join(dir, `src${vmid - 100}`)]: 'v2\n', [join(dir, `dst${vmid - 100}`)]: 'v1\n' }),
      ),
      exec: async ({ argv, container }) => {
        if (argv[0] !== 'cp') return undefined;
        const node = NODES[container.vmid] as string;
        this.applying.set(node, (this.applying.get(node) ?? 0) + 1);
        this.peak.set(node, Math.max(this.peak.get(node) ?? 0, this.applying.get(node) ?? 0));
        this.inFlight++;
        this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
        await new Promise((resolve) => setTimeout(resolve, workMs));
        this.inFlight--;
        this.applying.set(node, (this.applying.get(node) ?? 1) - 1);
        return undefined;
      },
    });
  }

  override async listContainers(signal?: AbortSignal): Promise<ContainerInfo[]> {
    return (await super.listContainers(signal)).map((ct) => ({ ...ct, node: NODES[ct.vmid] as string }));
  }
}

const containers = Object.fromEntries(VMIDS.map((vmid) => [vmid, copyPolicy(vmid - 100)]));
const GLOBAL = 'max_concurrency: 8\nstate_dir: STATE\ndefaults:\n  runners:\n    os: none\n';

describe('concurrency.per_node', () => {
  it('never more than N containers at once on one node, while the nodes run side by side; all updated', async () => {
    const dir = await cases.setup(`${GLOBAL}concurrency:\n  per_node: 1\n`, containers);
    const host = new ClusterCountingHost(dir, 150);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, threads: 2 });
    expect(run.exitCode).toBe(0);
    expect(run.report.containers.map((c) => c.outcome)).toEqual(VMIDS.map(() => 'updated'));
    expect(Object.fromEntries(host.peak)).toEqual({ pve1: 1, pve2: 1, pve3: 1 });
    // Three nodes, one each: the nodes did overlap.
    expect(host.peakInFlight).toBeGreaterThan(1);
    expect(host.peakInFlight).toBeLessThanOrEqual(3);
  });

  it('max_concurrency still caps the whole cluster', async () => {
    const dir = await cases.setup(`${GLOBAL.replace('max_concurrency: 8', 'max_concurrency: 2')}concurrency:\n  per_node: 3\n`, containers);
    const host = new ClusterCountingHost(dir, 100);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, threads: 2 });
    expect(run.exitCode).toBe(0);
    expect(host.peakInFlight).toBeLessThanOrEqual(2);
  });
});
