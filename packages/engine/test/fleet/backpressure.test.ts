import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineEvents, type RunOptions, runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { StartControl } from '../../src/fleet/start-control.js';
import type { PvesmStorage } from '../../src/host/index.js';
import { MemoryHost } from '../../src/host/memory-host.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from '../lifecycle/fake-host-harness.js';

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

// The containers live in an in-memory host handed to runUnrot (served to the worker threads).
let cases: MemoryCases;
const runIn = (dir: string, host: MemoryHost, options: Partial<RunOptions> = {}) =>
  runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, ...options });
beforeAll(async () => {
  cases = await memoryCases();
});

const GLOBAL = 'max_concurrency: 2\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';
/** CTs 101 and 102, each with an update pending (DIR/srcN v2 over DIR/dstN v1). */
const pending = (dir: string) =>
  new MemoryHost({
    containers: [1, 2].map((n) => memCt(100 + n, 'running', { [join(dir, `src${n}`)]: 'v2\n', [join(dir, `dst${n}`)]: 'v1\n' })),
  });

describe('runUnrot: host load backpressure', () => {
  it('with the load above max_load no container starts until it drops; then all run', async () => {
    const dir = await cases.setup(`${GLOBAL}preflight:\n  max_load: 4\n  poll_s: 30\n`, { 101: copyPolicy(1), 102: copyPolicy(2) });
    const host = pending(dir);
    const c = clock();
    const dropsAt = c.start + 150_000;
    const starts: number[] = [];
    const events = new EngineEvents();
    events.on('step:start', ({ step, runner }) => {
      if (step === 'preflight' && runner === undefined) starts.push(c.now());
    });
    const run = await runIn(dir, host, {
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
    const dir = await cases.setup(`${GLOBAL}preflight:\n  max_load: 4\n  poll_s: 60\n  give_up_after_s: 300\n`, {
      101: copyPolicy(1),
      102: copyPolicy(2),
    });
    const host = pending(dir);
    const c = clock();
    const run = await runIn(dir, host, {
      now: c.date,
      sleep: c.sleep,
      readLoad: () => 7,
    });
    expect(run.report.containers.map((x) => x.skipReason)).toEqual(['host-load', 'host-load']);
    expect(run.report.containers[0]?.skipDetail).toMatch(/host load 7\.00 is above preflight\.max_load 4; waited 300 s/);
    expect(run.report.summary.cutShort).toBe(2);
    expect(run.exitCode).toBe(5);
    for (const n of [1, 2]) expect(host.files(100 + n)[join(dir, `dst${n}`)]).toBe('v1\n');
    expect(host.ops('exec')).toEqual([]);
  });

  it('a plan is never held back by load', async () => {
    const dir = await cases.setup(`${GLOBAL}preflight:\n  max_load: 4\n`, { 101: copyPolicy(1), 102: copyPolicy(2) });
    const run = await runIn(dir, pending(dir), { dryRun: true, readLoad: () => 50 });
    expect(run.report.containers.map((x) => x.outcome)).toEqual(['planned', 'planned']);
  });
});

describe('runUnrot: backup storage backpressure', () => {
  const SNAP = GLOBAL.replace('mode: none', 'mode: snapshot');
  const storage = (usedKiB: number, status: PvesmStorage['status'] = 'active'): PvesmStorage[] => [
    {
      name: 'local-btrfs',
      type: 'btrfs',
      status,
      totalKiB: 100_000_000,
      usedKiB,
      availableKiB: 100_000_000 - usedKiB,
      usedPercent: status === 'disabled' ? null : usedKiB / 1_000_000,
    },
  ];
  // Nothing to update: the container ends nothing-to-do, so no snapshot is taken.
  const upToDate = (dir: string, usedKiB: number, status: PvesmStorage['status'] = 'active') =>
    new MemoryHost({
      containers: [
        {
          ...memCt(101, 'running', { [join(dir, 'src1')]: 'v1\n', [join(dir, 'dst1')]: 'v1\n' }),
          config: { hostname: 'ct101', rootfs: 'local-btrfs:101/vm-101-disk-0.raw,size=8G' },
        },
      ],
      storages: storage(usedKiB, status),
    });

  it('waits while the storage is above max_storage_used_percent, runs once it is below', async () => {
    const dir = await cases.setup(`${SNAP}preflight:\n  max_load: 100000\n  max_storage_used_percent: 90\n  poll_s: 30\n`, {
      101: copyPolicy(1),
    });
    const host = upToDate(dir, 95_000_000);
    const c = clock();
    let polls = 0;
    const steps: string[] = [];
    const events = new EngineEvents();
    events.on('step:start', ({ step }) => steps.push(step));
    const run = await runIn(dir, host, {
      now: c.date,
      sleep: async (ms) => {
        await c.sleep(ms);
        // The admin frees space after the second wait.
        if (++polls === 2) host.storages = storage(40_000_000);
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
    const dir = await cases.setup(`${SNAP}preflight:\n  max_load: 100000\n  poll_s: 30\n  give_up_after_s: 90\n`, {
      101: copyPolicy(1),
    });
    const host = upToDate(dir, 97_000_000);
    const c = clock();
    const run = await runIn(dir, host, {
      now: c.date,
      sleep: c.sleep,
    });
    const ct = run.report.containers[0];
    expect(ct).toMatchObject({ outcome: 'skipped', skipReason: 'storage-full' });
    expect(ct?.skipDetail).toMatch(
      /backup storage 'local-btrfs' is 97\.00% used, above preflight\.max_storage_used_percent 90; waited 90 s/,
    );
    // Given up on a full storage: needs an operator (exit 6), not a stop of the operator's choice (5).
    expect(ct?.skipClass).toBe('attention');
    expect(run.exitCode).toBe(6);
  });

  it('a disabled backup storage skips the container at once as backup-unavailable', async () => {
    const dir = await cases.setup(SNAP, { 101: copyPolicy(1) });
    const run = await runIn(dir, upToDate(dir, 0, 'disabled'));
    expect(run.report.containers[0]).toMatchObject({
      outcome: 'skipped',
      skipReason: 'backup-unavailable',
      skipDetail: "backup storage 'local-btrfs' is disabled",
    });
  });

  it('a plan reports a full storage without waiting', async () => {
    const dir = await cases.setup(SNAP, { 101: copyPolicy(1) });
    const run = await runIn(dir, upToDate(dir, 99_000_000), { dryRun: true });
    expect(run.report.containers[0]).toMatchObject({ outcome: 'skipped', skipReason: 'storage-full' });
  });
});
