import { existsSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineEvents, type RunOptions, runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost, type MemoryHostOptions } from '../../src/host/memory-host.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from './fake-host-harness.js';

// Kill switch, max runtime and pacing through the real engine and worker threads, over an
// in-memory host: container N's update copies DIR/srcN (v2) over DIR/dstN (v1) in its files.
let cases: MemoryCases;
beforeAll(async () => {
  cases = await memoryCases();
});

const GLOBAL = 'max_concurrency: 1\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';
const copies = { 101: copyPolicy(1), 102: copyPolicy(2), 103: copyPolicy(3) };
/** Containers 101… with an update pending (one per vmid, n = vmid - 100). */
function pending(dir: string, vmids = [101, 102, 103], options: Omit<MemoryHostOptions, 'containers'> = {}): MemoryHost {
  const files = (n: number) => ({ [join(dir, `src${n}`)]: 'v2\n', [join(dir, `dst${n}`)]: 'v1\n' });
  return new MemoryHost({ containers: vmids.map((vmid) => memCt(vmid, 'running', files(vmid - 100))), ...options });
}
const dst = (host: MemoryHost, dir: string, n: number) => host.files(100 + n)[join(dir, `dst${n}`)];
const run = (dir: string, host: MemoryHost, extra: Partial<RunOptions> = {}) =>
  runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, ...extra });

describe('kill switch', () => {
  it('present before the run: nothing starts, every container is reported cut short, exit 5', async () => {
    const dir = await cases.setup(GLOBAL, copies);
    const host = pending(dir);
    await writeFile(join(dir, 'config/STOP'), '');
    const result = await run(dir, host);
    expect(result.report.containers.map((c) => c.skipReason)).toEqual(['kill-switch', 'kill-switch', 'kill-switch']);
    expect(result.report.summary.cutShort).toBe(3);
    expect(result.exitCode).toBe(5);
    for (const n of [1, 2, 3]) expect(dst(host, dir, n)).toBe('v1\n');
  });

  it('created mid-run: the finished container stays updated, nothing new starts', async () => {
    const dir = await cases.setup(GLOBAL, copies);
    const host = pending(dir);
    const events = new EngineEvents();
    events.on('container:end', () => writeFileSync(join(dir, 'config/STOP'), ''));
    const result = await run(dir, host, { events });
    expect(result.report.containers.map((c) => c.outcome)).toEqual(['updated', 'skipped', 'skipped']);
    expect(result.report.containers[1]?.skipReason).toBe('kill-switch');
    expect(dst(host, dir, 1)).toBe('v2\n');
    expect(dst(host, dir, 2)).toBe('v1\n');
    expect(result.exitCode).toBe(5);
  });

  it('appearing while a container is checked: it stops at the next safe point, before any change', async () => {
    const dir = await cases.setup(GLOBAL.replace('STATE\n', `STATE\nkill_switch_file: DIRSTOP\n`), {
      101: 'runners:\n  misbehaving:\n    mode: touch-in-check\n    marker: DIR/STOP\n  file-copy:\n    source: DIR/src1\n    target: DIR/dst1\n',
    });
    await writeFile(
      join(dir, 'config/global.yml'),
      (await readFile(join(dir, 'config/global.yml'), 'utf8')).replace('DIRSTOP', join(dir, 'STOP')),
    );
    // The misbehaving runner's check runs `touch DIR/STOP`: the operator's kill switch appears at that moment.
    const host = pending(dir, [101], {
      exec: ({ argv }) => {
        if (argv[0] !== 'touch' || argv[1] === undefined) return undefined;
        writeFileSync(argv[1], '');
        return { exitCode: 0 };
      },
    });
    const result = await run(dir, host);
    const c = result.report.containers[0];
    expect(existsSync(join(dir, 'STOP'))).toBe(true);
    expect(c).toMatchObject({ outcome: 'skipped', skipReason: 'kill-switch', changingCommands: 0 });
    expect(dst(host, dir, 1)).toBe('v1\n');
    expect(host.ops('exec').filter((call) => call.argv?.[0] === 'cp')).toEqual([]);
  });
});

describe('graceful stop (SIGTERM/SIGINT, as the CLI passes it)', () => {
  it('asked mid-run: the finished container stays updated, nothing new starts, exit 5 with the signal named', async () => {
    const dir = await cases.setup(GLOBAL, copies);
    const host = pending(dir);
    const stop = new AbortController();
    const events = new EngineEvents();
    events.on('container:end', () => stop.abort('SIGTERM'));
    const result = await run(dir, host, { events, stop: stop.signal });
    expect(result.report.containers.map((c) => c.outcome)).toEqual(['updated', 'skipped', 'skipped']);
    expect(result.report.containers[1]).toMatchObject({ skipReason: 'signal', skipDetail: 'SIGTERM received; not started' });
    expect(result.report.summary.cutShort).toBe(2);
    expect(dst(host, dir, 1)).toBe('v2\n');
    expect(dst(host, dir, 2)).toBe('v1\n');
    expect(result.exitCode).toBe(5);
  });

  it('asked while a container is checked: it ends at the next safe point before any change; the run exits 5', async () => {
    const dir = await cases.setup(GLOBAL, {
      101: 'runners:\n  misbehaving:\n    mode: touch-in-check\n    marker: DIR/STOP\n  file-copy:\n    source: DIR/src1\n    target: DIR/dst1\n',
    });
    const stop = new AbortController();
    // The runner's check runs `touch …`: the signal arrives at that moment, mid-step.
    const host = pending(dir, [101], {
      exec: ({ argv }) => {
        if (argv[0] !== 'touch') return undefined;
        stop.abort('SIGINT');
        return { exitCode: 0 };
      },
    });
    const result = await run(dir, host, { stop: stop.signal });
    expect(result.report.containers[0]).toMatchObject({
      outcome: 'skipped',
      skipReason: 'signal',
      skipDetail: 'SIGINT received; stopped before any change',
      changingCommands: 0,
    });
    expect(dst(host, dir, 1)).toBe('v1\n');
    expect(host.ops('exec').filter((call) => call.argv?.[0] === 'cp')).toEqual([]);
    expect(result.exitCode).toBe(5);
  });

  it('asked after the last container finished: every update stands, and the run still says it was stopped (exit 5)', async () => {
    const dir = await cases.setup(GLOBAL, { 101: copyPolicy(1) });
    const host = pending(dir, [101]);
    const stop = new AbortController();
    const events = new EngineEvents();
    events.on('container:end', () => stop.abort('SIGTERM'));
    const result = await run(dir, host, { events, stop: stop.signal });
    expect(result.report.containers[0]?.outcome).toBe('updated');
    expect(result.exitCode).toBe(5);
  });
});

describe('max runtime', () => {
  it('max_runtime.run: after it, no new container starts', async () => {
    const dir = await cases.setup(`${GLOBAL}max_runtime:\n  run: 600\n`, copies);
    const host = pending(dir);
    // The clock jumps eleven minutes whenever a container finishes: the first starts inside the limit, the rest do not.
    let t = Date.parse('2026-11-26T02:00:00Z');
    const now = () => new Date(t);
    const events = new EngineEvents();
    events.on('container:end', () => {
      t += 11 * 60_000;
    });
    const result = await run(dir, host, { now, events });
    expect(result.report.containers.map((c) => c.skipReason ?? c.outcome)).toEqual(['updated', 'max-runtime', 'max-runtime']);
    expect(result.exitCode).toBe(5);
  });

  it('max_runtime.container: a container past it is terminated and finished by the journal rules; others go on', async () => {
    const dir = await cases.setup(`${GLOBAL.replace('max_concurrency: 1', 'max_concurrency: 2')}max_runtime:\n  container: 3\n`, {
      101: 'runners:\n  misbehaving:\n    mode: hang-in-apply\n',
      102: copyPolicy(2),
    });
    const host = pending(dir, [101, 102]);
    const started = Date.now();
    const result = await run(dir, host);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.report.containers[0]).toMatchObject({ outcome: 'failed', error: { step: 'pipeline', code: 'E_STEP_TIMEOUT' } });
    expect(result.report.containers[1]?.outcome).toBe('updated');
    // No backup (mode none) to restore: the journal says apply, so the next run's check finishes it.
    expect(result.report.recoveries).toEqual([]);
    expect(existsSync(join(dir, 'state/journal/ct-101.json'))).toBe(false);
    expect(result.exitCode).toBe(1);
  });
});

describe('pacing', () => {
  it('jitter_ms staggers starts and the host log says so', async () => {
    const dir = await cases.setup(`${GLOBAL}jitter_ms: 400\n`, copies);
    const host = pending(dir);
    const waits: number[] = [];
    const result = await run(dir, host, {
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    });
    expect(waits).toEqual([200, 200, 200]);
    const log = await readFile(join(result.report.logDir, 'host.jsonl'), 'utf8');
    expect(log.split('\n').filter((l) => l.includes('staggered start'))).toHaveLength(3);
  });
});
