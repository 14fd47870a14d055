import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threadsFor } from '../../src/workers/container-pool.js';
import { copyPolicy, type FakeHost, fakeCt, fakeHost } from './fake-host-harness.js';

// Several pipelines share a worker thread (memory, and the cost of every fork of the engine).
// A plugin fault is charged to its own container; the containers beside it on the thread go on.
let host: FakeHost;
beforeAll(async () => {
  host = await fakeHost();
});
afterAll(() => host.restore());

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
    const dir = await host.setup({ containers: [fakeCt(101), fakeCt(102), fakeCt(103), fakeCt(104)] }, GLOBAL, {
      101: copyPolicy(1),
      102: 'runners:\n  misbehaving:\n    mode: crash-thread\n',
      103: 'runners:\n  misbehaving:\n    mode: throw-async\n',
      104: copyPolicy(4),
    });
    for (const n of [1, 4]) {
      await writeFile(join(dir, `src${n}`), 'v2\n');
      await writeFile(join(dir, `dst${n}`), 'v1\n');
    }
    // One thread for all four: every fault happens beside healthy pipelines.
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot], threads: 1 });
    const by = (vmid: number) => run.report.containers.find((c) => c.vmid === vmid);
    expect(by(101)?.outcome).toBe('updated');
    expect(by(104)?.outcome).toBe('updated');
    expect(by(102)).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_WORKER_CRASHED' } });
    expect(by(102)?.error?.message).toContain('process.exit(3)');
    expect(by(103)).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_WORKER_CRASHED' } });
    expect(by(103)?.error?.message).toContain('async boom');
  });

  it('a plugin that blocks the thread is cut off at the deadline; the thread is replaced and later containers run', async () => {
    const dir = await host.setup(
      { containers: [fakeCt(101), fakeCt(102), fakeCt(103)] },
      `${GLOBAL.replace('max_concurrency: 4', 'max_concurrency: 2')}max_runtime:\n  container: 2\n`,
      { 101: 'runners:\n  misbehaving:\n    mode: busy-loop\n', 102: copyPolicy(2), 103: copyPolicy(3) },
    );
    for (const n of [2, 3]) {
      await writeFile(join(dir, `src${n}`), 'v2\n');
      await writeFile(join(dir, `dst${n}`), 'v1\n');
    }
    const started = Date.now();
    const run = await runUnrot({
      configDir: join(dir, 'config'),
      dryRun: false,
      pluginRoots: [host.pluginRoot],
      threads: 1,
      abortGraceMs: 500,
    });
    const by = (vmid: number) => run.report.containers.find((c) => c.vmid === vmid);
    expect(by(101)).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_STEP_TIMEOUT' } });
    // 102 shared the blocked thread: it could not move either and reached its own deadline (reported,
    // finished by its journal); 103 ran on the thread that replaced it.
    expect(by(102)).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_STEP_TIMEOUT' } });
    expect(by(103)?.outcome).toBe('updated');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
