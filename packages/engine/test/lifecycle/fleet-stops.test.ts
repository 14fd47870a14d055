import { existsSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineEvents, runUnrot } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPolicy, type FakeHost, fakeCt, fakeHost } from './fake-host-harness.js';

// Kill switch, max runtime and pacing through the real engine and worker threads.
let host: FakeHost;
beforeAll(async () => {
  host = await fakeHost();
});
afterAll(() => host.restore());

const GLOBAL = 'max_concurrency: 1\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';
const three = { containers: [fakeCt(101), fakeCt(102), fakeCt(103)] };
const copies = { 101: copyPolicy(1), 102: copyPolicy(2), 103: copyPolicy(3) };
async function pending(dir: string): Promise<void> {
  for (const n of [1, 2, 3]) {
    await writeFile(join(dir, `src${n}`), 'v2\n');
    await writeFile(join(dir, `dst${n}`), 'v1\n');
  }
}
const dst = (dir: string, n: number) => readFile(join(dir, `dst${n}`), 'utf8');

describe('kill switch', () => {
  it('present before the run: nothing starts, every container is reported cut short, exit 5', async () => {
    const dir = await host.setup(three, GLOBAL, copies);
    await pending(dir);
    await writeFile(join(dir, 'config/STOP'), '');
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    expect(run.report.containers.map((c) => c.skipReason)).toEqual(['kill-switch', 'kill-switch', 'kill-switch']);
    expect(run.report.summary.cutShort).toBe(3);
    expect(run.exitCode).toBe(5);
    for (const n of [1, 2, 3]) expect(await dst(dir, n)).toBe('v1\n');
  });

  it('created mid-run: the finished container stays updated, nothing new starts', async () => {
    const dir = await host.setup(three, GLOBAL, copies);
    await pending(dir);
    const events = new EngineEvents();
    events.on('container:end', () => writeFileSync(join(dir, 'config/STOP'), ''));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot], events });
    expect(run.report.containers.map((c) => c.outcome)).toEqual(['updated', 'skipped', 'skipped']);
    expect(run.report.containers[1]?.skipReason).toBe('kill-switch');
    expect(await dst(dir, 1)).toBe('v2\n');
    expect(await dst(dir, 2)).toBe('v1\n');
    expect(run.exitCode).toBe(5);
  });

  it('appearing while a container is checked: it stops at the next safe point, before any change', async () => {
    const dir = await host.setup({ containers: [fakeCt(101)] }, GLOBAL.replace('STATE\n', `STATE\nkill_switch_file: DIRSTOP\n`), {
      101: 'runners:\n  misbehaving:\n    mode: touch-in-check\n    marker: DIR/STOP\n  file-copy:\n    source: DIR/src1\n    target: DIR/dst1\n',
    });
    await writeFile(
      join(dir, 'config/global.yml'),
      (await readFile(join(dir, 'config/global.yml'), 'utf8')).replace('DIRSTOP', join(dir, 'STOP')),
    );
    await pending(dir);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const c = run.report.containers[0];
    expect(existsSync(join(dir, 'STOP'))).toBe(true);
    expect(c).toMatchObject({ outcome: 'skipped', skipReason: 'kill-switch', changingCommands: 0 });
    expect(await dst(dir, 1)).toBe('v1\n');
  });
});

describe('max runtime', () => {
  it('max_runtime.run: after it, no new container starts', async () => {
    const dir = await host.setup(three, `${GLOBAL}max_runtime:\n  run: 600\n`, copies);
    await pending(dir);
    // The clock jumps eleven minutes whenever a container finishes: the first starts inside the limit, the rest do not.
    let t = Date.parse('2026-11-26T02:00:00Z');
    const now = () => new Date(t);
    const events = new EngineEvents();
    events.on('container:end', () => {
      t += 11 * 60_000;
    });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot], now, events });
    expect(run.report.containers.map((c) => c.skipReason ?? c.outcome)).toEqual(['updated', 'max-runtime', 'max-runtime']);
    expect(run.exitCode).toBe(5);
  });

  it('max_runtime.container: a container past it is terminated and finished by the journal rules; others go on', async () => {
    const dir = await host.setup(
      { containers: [fakeCt(101), fakeCt(102)] },
      `${GLOBAL.replace('max_concurrency: 1', 'max_concurrency: 2')}max_runtime:\n  container: 3\n`,
      {
        101: 'runners:\n  misbehaving:\n    mode: hang-in-apply\n',
        102: copyPolicy(2),
      },
    );
    await pending(dir);
    const started = Date.now();
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.report.containers[0]).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_STEP_TIMEOUT' } });
    expect(run.report.containers[1]?.outcome).toBe('updated');
    // No backup (mode none) to restore: the journal says apply, so the next run's check finishes it.
    expect(run.report.recoveries).toEqual([]);
    expect(existsSync(join(dir, 'state/journal/ct-101.json'))).toBe(false);
    expect(run.exitCode).toBe(1);
  });
});

describe('pacing', () => {
  it('jitter_ms staggers starts and the host log says so', async () => {
    const dir = await host.setup(three, `${GLOBAL}jitter_ms: 400\n`, copies);
    await pending(dir);
    const waits: number[] = [];
    const run = await runUnrot({
      configDir: join(dir, 'config'),
      dryRun: false,
      pluginRoots: [host.pluginRoot],
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    });
    expect(waits).toEqual([200, 200, 200]);
    const log = await readFile(join(run.report.logDir, 'host.jsonl'), 'utf8');
    expect(log.split('\n').filter((l) => l.includes('staggered start'))).toHaveLength(3);
  });
});
