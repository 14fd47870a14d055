import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/host/memory-host.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from '../lifecycle/fake-host-harness.js';

// global.yml concurrency: enforced across worker threads. The pipelines run in piscina threads;
// the containers live in an in-memory host on the main thread, which serves every thread, so the
// host sees every apply (cp) and every snapshot of the whole fleet and counts them.

let cases: MemoryCases;
beforeAll(async () => {
  cases = await memoryCases();
});

const VMIDS = [101, 102, 103, 104, 105, 106, 107, 108];

/** A host that counts how many applies (the runner's cp) and snapshots are in flight at once; each takes a while. */
class CountingHost extends MemoryHost {
  applying = 0;
  peakApplying = 0;
  snapshotting = 0;
  peakSnapshotting = 0;

  constructor(dir: string, workMs: number) {
    super({
      containers: VMIDS.map((vmid) =>
        memCt(vmid, 'running', { [join(dir, `src${vmid - 100}`)]: 'v2\n', [join(dir, `dst${vmid - 100}`)]: 'v1\n' }),
      ),
      exec: async ({ argv }) => {
        if (argv[0] !== 'cp') return undefined;
        this.applying++;
        this.peakApplying = Math.max(this.peakApplying, this.applying);
        await new Promise((resolve) => setTimeout(resolve, workMs));
        this.applying--;
        return undefined; // the built-in cp does the copy
      },
    });
    const snapshot = this.snapshot.bind(this);
    this.snapshot = async (...args: Parameters<MemoryHost['snapshot']>) => {
      this.snapshotting++;
      this.peakSnapshotting = Math.max(this.peakSnapshotting, this.snapshotting);
      await new Promise((resolve) => setTimeout(resolve, workMs));
      try {
        return await snapshot(...args);
      } finally {
        this.snapshotting--;
      }
    };
  }
}

const containers = Object.fromEntries(VMIDS.map((vmid) => [vmid, copyPolicy(vmid - 100)]));
const GLOBAL = 'max_concurrency: 8\nstate_dir: STATE\ndefaults:\n  runners:\n    os: none\n';

describe('fleet caps across worker threads', () => {
  it('without caps, applies and snapshots overlap (the baseline the caps are measured against)', async () => {
    const dir = await cases.setup(GLOBAL, containers);
    const host = new CountingHost(dir, 150);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, threads: 2 });
    expect(run.report.containers.map((c) => c.outcome)).toEqual(VMIDS.map(() => 'updated'));
    expect(host.peakApplying).toBeGreaterThan(2);
    expect(host.peakSnapshotting).toBeGreaterThan(1);
  });

  it('per_runner: never more than N containers apply one runner at once; the others wait, reported, and all are updated', async () => {
    const dir = await cases.setup(`${GLOBAL}concurrency:\n  per_runner:\n    file-copy: 2\n`, containers);
    const host = new CountingHost(dir, 150);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, threads: 2 });
    expect(run.exitCode).toBe(0);
    expect(run.report.containers.map((c) => c.outcome)).toEqual(VMIDS.map(() => 'updated'));
    expect(host.peakApplying).toBeLessThanOrEqual(2);
    // Those that waited say so: at the start of their change section, for the runner's key.
    const waits = run.report.containers.flatMap((c) => c.capWaits ?? []);
    expect(waits.length).toBeGreaterThan(0);
    for (const w of waits) expect(w).toMatchObject({ caps: ['runner:file-copy'], step: 'backup' });
    expect(waits.every((w) => w.waitedMs > 0)).toBe(true);
    // The main thread's log says who waited for which cap, and for how long.
    const hostLog = (await readFile(join(run.report.logDir, 'host.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const lines = hostLog.map((l) => JSON.parse(l) as { msg: string; vmid?: number; caps?: string[]; waitedMs?: number });
    const waiting = lines.filter((l) => l.msg === 'waiting for a concurrency cap (global concurrency:)');
    const granted = lines.filter((l) => l.msg === 'concurrency cap granted after a wait');
    expect(waiting.length).toBe(waits.length);
    expect(granted.map((l) => l.vmid).sort()).toEqual(waiting.map((l) => l.vmid).sort());
    expect(granted.every((l) => l.caps?.[0] === 'runner:file-copy' && (l.waitedMs ?? 0) > 0)).toBe(true);
  });

  it('per_storage: at most N snapshots on one storage at once', async () => {
    const dir = await cases.setup(`${GLOBAL}concurrency:\n  per_storage:\n    local-lvm: 1\n`, containers);
    const host = new CountingHost(dir, 100);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, threads: 2 });
    expect(run.report.containers.map((c) => c.outcome)).toEqual(VMIDS.map(() => 'updated'));
    expect(host.ops('snapshot')).toHaveLength(VMIDS.length);
    expect(host.peakSnapshotting).toBeLessThanOrEqual(1);
    const waits = run.report.containers.flatMap((c) => c.capWaits ?? []);
    expect(waits.length).toBeGreaterThan(0);
    for (const w of waits) expect(w).toMatchObject({ caps: ['storage:local-lvm'], step: 'backup' });
  });

  it('a long queue is a wait, not a deadline: max_runtime.container does not run while a container waits its turn', async () => {
    // Each container needs ~1 s of its own (a snapshot and an apply of 500 ms each) plus its thread's
    // start (seconds on a loaded 2-core machine); the last in a queue of 8 behind a cap of 1 waits
    // ~7 s, longer than its 6 s budget.
    const dir = await cases.setup(`${GLOBAL}max_runtime:\n  container: 6\nconcurrency:\n  per_runner:\n    file-copy: 1\n`, containers);
    const host = new CountingHost(dir, 500);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, threads: 2 });
    expect(run.report.containers.map((c) => c.outcome)).toEqual(VMIDS.map(() => 'updated'));
    expect(host.peakApplying).toBeLessThanOrEqual(1);
    const longest = Math.max(...run.report.containers.flatMap((c) => (c.capWaits ?? []).map((w) => w.waitedMs)));
    expect(longest).toBeGreaterThan(6000);
  });
});
