import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/host/memory-host.js';
import { threadsFor } from '../../src/workers/container-pool.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from './fake-host-harness.js';

// Several pipelines share a worker thread (memory, and the cost of every fork of the engine).
// A plugin fault is charged to its own container; the containers beside it on the thread go on.
// The containers live in an in-memory host on the main thread, which serves every thread.
let cases: MemoryCases;
beforeAll(async () => {
  cases = await memoryCases();
});
/** The containers; those in `pending` have an update (DIR/srcN v2 over DIR/dstN v1). */
const fleet = (dir: string, vmids: number[], pending: number[]) =>
  new MemoryHost({
    containers: vmids.map((vmid) =>
      memCt(
        vmid,
        'running',
        pending.includes(vmid) ? { [join(dir, `src${vmid - 100}`)]: 'v2\n', [join(dir, `dst${vmid - 100}`)]: 'v1\n' } : {},
      ),
    ),
  });

const GLOBAL =
  'max_concurrency: 4\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n  timeouts:\n    check: 5\n';

describe('threads', () => {
  it('at most one per core, at least two, never more than max_concurrency', () => {
    expect(threadsFor(2, 2)).toBe(2);
    expect(threadsFor(16, 2)).toBe(2);
    expect(threadsFor(16, 8)).toBe(8);
    expect(threadsFor(1, 8)).toBe(1);
    expect(threadsFor(4, 1)).toBe(2);
  });
});

describe('pipelines sharing one thread', () => {
  it('process.exit and an uncaught async throw fail only their own container', async () => {
    const dir = await cases.setup(GLOBAL, {
      101: copyPolicy(1),
      102: 'runners:\n  misbehaving:\n    mode: crash-thread\n',
      103: 'runners:\n  misbehaving:\n    mode: throw-async\n',
      104: copyPolicy(4),
    });
    const host = fleet(dir, [101, 102, 103, 104], [101, 104]);
    // One thread for all four: every fault happens beside healthy pipelines.
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, threads: 1 });
    const by = (vmid: number) => run.report.containers.find((c) => c.vmid === vmid);
    expect(by(101)?.outcome).toBe('updated');
    expect(by(104)?.outcome).toBe('updated');
    expect(by(102)).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_WORKER_CRASHED' } });
    expect(by(102)?.error?.message).toContain('process.exit(3)');
    expect(by(103)).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_WORKER_CRASHED' } });
    expect(by(103)?.error?.message).toContain('async boom');
  });

  it('a plugin that blocks the thread is cut off at the deadline; the thread is replaced and later containers run', async () => {
    const dir = await cases.setup(`${GLOBAL.replace('max_concurrency: 4', 'max_concurrency: 2')}max_runtime:\n  container: 2\n`, {
      101: 'runners:\n  misbehaving:\n    mode: busy-loop\n',
      102: copyPolicy(2),
      103: copyPolicy(3),
    });
    const host = fleet(dir, [101, 102, 103], [102, 103]);
    const started = Date.now();
    const run = await runUnrot({
      configDir: join(dir, 'config'),
      dryRun: false,
      pluginRoots: [cases.pluginRoot],
      host,
      threads: 1,
      abortGraceMs: 500,
    });
    const by = (vmid: number) => run.report.containers.find((c) => c.vmid === vmid);
    expect(by(101)).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_STEP_TIMEOUT' } });
    // 102 shared the blocked thread: it could not move either and reached its own deadline (reported,
    // finished by its journal); 103 ran on the thread that replaced it.
    expect(by(102)).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_STEP_TIMEOUT' } });
    expect(by(103)?.outcome).toBe('updated');
    expect(host.files(103)[join(dir, 'dst3')]).toBe('v2\n');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
