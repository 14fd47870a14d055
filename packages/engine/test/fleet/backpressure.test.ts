import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineEvents, type RunOptions, runUnrot } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartControl } from '../../src/fleet/start-control.js';
import { copyPolicy, type FakeHost, fakeCt, fakeHost } from '../lifecycle/fake-host-harness.js';

// Backpressure: while the host's load or a backup storage's use is above its threshold no
// container starts; starts resume once it is below; a long enough episode gives up with a report.

/** A fake clock that sleeping advances, so waits of minutes take no time. */
function clock(startMs = Date.parse('2026-11-28T02:00:00Z')) {
  let t = startMs;
  return {
    start: startMs,
    now: () => t,
    date: () => new Date(t),
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

describe('StartControl: host load', () => {
  const base = { killSwitchFile: '/nonexistent/STOP', jitterMs: 0, random: () => 0, pollMs: 30_000, giveUpMs: 600_000 };

  it('holds a start while the load is above max_load and lets it go once it drops', async () => {
    const c = clock();
    const loads = [9.5, 9.1, 8.2, 3.0];
    const control = new StartControl({ ...base, now: c.now, sleep: c.sleep, load: { maxLoad: 8, readLoad: () => loads.shift() ?? 1 } });
    const verdict = await control.admit();
    expect(verdict).toEqual({ ok: true, jitterMs: 0, rateWaitMs: 0, pressureWaitMs: 90_000 });
    expect(c.now() - c.start).toBe(90_000);
  });

  it('gives up after give_up_after_s of continuous pressure, and every later start gives up at once', async () => {
    const c = clock();
    let reads = 0;
    const control = new StartControl({
      ...base,
      now: c.now,
      sleep: c.sleep,
      load: {
        maxLoad: 8,
        readLoad: () => {
          reads++;
          return 12;
        },
      },
    });
    const first = await control.admit();
    expect(first).toMatchObject({ ok: false, reason: 'host-load' });
    expect(first.ok ? '' : first.detail).toMatch(/host load 12\.00 is above preflight\.max_load 8; waited 600 s/);
    expect(c.now() - c.start).toBe(600_000);
    const readsBefore = reads;
    const second = await control.admit();
    expect(second).toMatchObject({ ok: false, reason: 'host-load' });
    expect(reads).toBe(readsBefore);
    expect(c.now() - c.start).toBe(600_000);
  });

  it('a kill switch set while waiting wins', async () => {
    const c = clock();
    let switchFile = '/nonexistent/STOP';
    const control = new StartControl({
      ...base,
      get killSwitchFile() {
        return switchFile;
      },
      now: c.now,
      sleep: async (ms) => {
        await c.sleep(ms);
        switchFile = import.meta.filename; // exists
      },
      load: { maxLoad: 1, readLoad: () => 5 },
    });
    expect(await control.admit()).toMatchObject({ ok: false, reason: 'kill-switch' });
  });
});

let host: FakeHost;
const runIn = (dir: string, options: Partial<RunOptions> = {}) =>
  runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot], ...options });
beforeAll(async () => {
  host = await fakeHost();
});
afterAll(() => host.restore());

const GLOBAL = 'max_concurrency: 2\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';
const two = { containers: [fakeCt(101), fakeCt(102)] };
async function pending(dir: string): Promise<void> {
  for (const n of [1, 2]) {
    await writeFile(join(dir, `src${n}`), 'v2\n');
    await writeFile(join(dir, `dst${n}`), 'v1\n');
  }
}

describe('runUnrot: host load backpressure', () => {
  it('with the load above max_load no container starts until it drops; then all run', async () => {
    const dir = await host.setup(two, `${GLOBAL}preflight:\n  max_load: 4\n  poll_s: 30\n`, { 101: copyPolicy(1), 102: copyPolicy(2) });
    await pending(dir);
    const c = clock();
    const dropsAt = c.start + 150_000;
    const starts: number[] = [];
    const events = new EngineEvents();
    events.on('step:start', ({ step, runner }) => {
      if (step === 'preflight' && runner === undefined) starts.push(c.now());
    });
    const run = await runIn(dir, {
      now: c.date,
      sleep: c.sleep,
      readLoad: () => (c.now() < dropsAt ? 6.5 : 0.5),
      events,
    });
    expect(starts).toHaveLength(2);
    for (const t of starts) expect(t).toBeGreaterThanOrEqual(dropsAt);
    expect(run.report.containers.map((x) => x.outcome)).toEqual(['updated', 'updated']);
    // Both waited at least until the drop (two sleepers advance the one fake clock, so not exactly).
    for (const x of run.report.containers) expect(x.preflight?.waitedMs).toBeGreaterThanOrEqual(150_000);
    expect(run.exitCode).toBe(0);
    const log = await readFile(join(run.report.logDir, 'host.jsonl'), 'utf8');
    expect(log).toContain('started after the host load dropped');
  });

  it('gives up after give_up_after_s: nothing changed, each container reported host-load, exit 5', async () => {
    const dir = await host.setup(two, `${GLOBAL}preflight:\n  max_load: 4\n  poll_s: 60\n  give_up_after_s: 300\n`, {
      101: copyPolicy(1),
      102: copyPolicy(2),
    });
    await pending(dir);
    const c = clock();
    const run = await runIn(dir, {
      now: c.date,
      sleep: c.sleep,
      readLoad: () => 7,
    });
    expect(run.report.containers.map((x) => x.skipReason)).toEqual(['host-load', 'host-load']);
    expect(run.report.containers[0]?.skipDetail).toMatch(/host load 7\.00 is above preflight\.max_load 4; waited 300 s/);
    expect(run.report.summary.cutShort).toBe(2);
    expect(run.exitCode).toBe(5);
    for (const n of [1, 2]) expect(await readFile(join(dir, `dst${n}`), 'utf8')).toBe('v1\n');
  });

  it('a plan is never held back by load', async () => {
    const dir = await host.setup(two, `${GLOBAL}preflight:\n  max_load: 4\n`, { 101: copyPolicy(1), 102: copyPolicy(2) });
    await pending(dir);
    const run = await runIn(dir, { dryRun: true, readLoad: () => 50 });
    expect(run.report.containers.map((x) => x.outcome)).toEqual(['planned', 'planned']);
  });
});

describe('runUnrot: backup storage backpressure', () => {
  const SNAP = GLOBAL.replace('mode: none', 'mode: snapshot');
  const fleet = (usedKiB: number, status = 'active') => ({
    storages: [{ name: 'local-btrfs', type: 'btrfs', status, total: 100_000_000, used: usedKiB }],
    containers: [fakeCt(101, 'running', { rootfs: 'local-btrfs:101/vm-101-disk-0.raw,size=8G' })],
  });
  // Nothing to update: the container ends nothing-to-do, so no snapshot is needed from the stand-in.
  const upToDate = async (dir: string) => {
    await writeFile(join(dir, 'src1'), 'v1\n');
    await writeFile(join(dir, 'dst1'), 'v1\n');
  };

  it('waits while the storage is above max_storage_used_percent, runs once it is below', async () => {
    const dir = await host.setup(
      fleet(95_000_000),
      `${SNAP}preflight:\n  max_load: 100000\n  max_storage_used_percent: 90\n  poll_s: 30\n`,
      {
        101: copyPolicy(1),
      },
    );
    await upToDate(dir);
    const c = clock();
    let polls = 0;
    const steps: string[] = [];
    const events = new EngineEvents();
    events.on('step:start', ({ step }) => steps.push(step));
    const run = await runIn(dir, {
      now: c.date,
      sleep: async (ms) => {
        await c.sleep(ms);
        // The admin frees space after the second wait.
        if (++polls === 2) await writeFile(join(host.bin, 'fleet.json'), JSON.stringify(fleet(40_000_000)));
      },
      events,
    });
    const ct = run.report.containers[0];
    expect(ct?.outcome).toBe('nothing-to-do');
    expect(ct?.preflight).toMatchObject({ storage: { name: 'local-btrfs', usedPercent: 40, limitPercent: 90 }, waitedMs: 60_000 });
    // While it waited, only pre-flight ran: no runner step before the storage dropped.
    expect(steps.slice(0, 2)).toEqual(['preflight', 'preflight']);
    expect(steps).toContain('detect');
    expect(run.exitCode).toBe(0);
  });

  it('gives up after the bound with storage-full', async () => {
    const dir = await host.setup(fleet(97_000_000), `${SNAP}preflight:\n  max_load: 100000\n  poll_s: 30\n  give_up_after_s: 90\n`, {
      101: copyPolicy(1),
    });
    await upToDate(dir);
    const c = clock();
    const run = await runIn(dir, {
      now: c.date,
      sleep: c.sleep,
    });
    const ct = run.report.containers[0];
    expect(ct).toMatchObject({ outcome: 'skipped', skipReason: 'storage-full' });
    expect(ct?.skipDetail).toMatch(
      /backup storage 'local-btrfs' is 97\.00% used, above preflight\.max_storage_used_percent 90; waited 90 s/,
    );
    expect(run.exitCode).toBe(5);
  });

  it('a disabled backup storage skips the container at once as backup-unavailable', async () => {
    const dir = await host.setup(fleet(0, 'disabled'), SNAP, { 101: copyPolicy(1) });
    await upToDate(dir);
    const run = await runIn(dir);
    expect(run.report.containers[0]).toMatchObject({
      outcome: 'skipped',
      skipReason: 'backup-unavailable',
      skipDetail: "backup storage 'local-btrfs' is disabled",
    });
  });

  it('a plan reports a full storage without waiting', async () => {
    const dir = await host.setup(fleet(99_000_000), SNAP, { 101: copyPolicy(1) });
    await upToDate(dir);
    const run = await runIn(dir, { dryRun: true });
    expect(run.report.containers[0]).toMatchObject({ outcome: 'skipped', skipReason: 'storage-full' });
  });
});
