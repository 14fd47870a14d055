import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BaselineEntry, BaselineStore, classifyHistory, judgeHistory, successRate } from '../../src/health/baseline-store.js';
import type { ScheduleResult } from '../../src/health/schedule.js';

const result = (outcome: ScheduleResult['outcome'], oks: boolean[]): ScheduleResult => ({
  outcome,
  attempts: oks.map((ok, i) => ({ ok, durationMs: 5, detail: ok ? '200' : '500', startedAt: new Date(1_000 * i).toISOString() })),
  summary: `${outcome} summary`,
  warnings: [],
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unrot-baselines-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('BaselineStore', () => {
  it('persists each check’s results per container in ct-<vmid>.json and survives a new store instance', async () => {
    const store = new BaselineStore(dir);
    await store.record(101, 'http-1', result('pass', [true]), 'before-update', new Date('2026-11-26T02:00:00Z'));
    await store.record(101, 'http-1', result('warn', [false, true]), 'after-update', new Date('2026-11-26T02:05:00Z'));
    await store.record(102, 'tcp-1', result('fail', [false, false, false]), 'before-update');
    expect((await readdir(dir)).sort()).toEqual(['ct-101.json', 'ct-102.json']);

    const again = new BaselineStore(dir);
    expect(await again.history(101, 'http-1')).toEqual([
      { at: '2026-11-26T02:00:00.000Z', outcome: 'pass', attempts: 1, okAttempts: 1, phase: 'before-update', summary: 'pass summary' },
      { at: '2026-11-26T02:05:00.000Z', outcome: 'warn', attempts: 2, okAttempts: 1, phase: 'after-update', summary: 'warn summary' },
    ]);
    expect(await again.history(101, 'tcp-1')).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'ct-102.json'), 'utf8'))).toMatchObject({ version: 1, vmid: 102 });
  });

  it('keeps only the newest `keep` results, also when many are recorded at once', async () => {
    const store = new BaselineStore(dir, { keep: 3 });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.record(101, 'cmd-1', result('pass', [true]), `run-${i}`, new Date(Date.UTC(2026, 10, 26, 0, i))),
      ),
    );
    expect((await store.history(101, 'cmd-1')).map((e) => e.phase)).toEqual(['run-5', 'run-6', 'run-7']);
    // No temporary files are left behind by the atomic writes.
    expect(await readdir(dir)).toEqual(['ct-101.json']);
  });

  it('starts a fresh history when the file is torn or not its own, and refuses unsafe check names', async () => {
    await writeFile(join(dir, 'ct-101.json'), '{"version":1,"vmid":101,"che');
    const store = new BaselineStore(dir);
    expect(await store.history(101, 'http-1')).toEqual([]);
    await store.record(101, 'http-1', result('pass', [true]), 'before-update');
    expect(await store.history(101, 'http-1')).toHaveLength(1);
    await writeFile(join(dir, 'ct-103.json'), JSON.stringify({ version: 1, vmid: 999, checks: {} }));
    expect(await store.history(103, 'http-1')).toEqual([]);
    await expect(store.record(101, '../../etc/passwd', result('pass', [true]), 'x')).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('success rate and history class', () => {
  const entry = (outcome: BaselineEntry['outcome'], attempts: number, okAttempts: number, phase = 'before-update'): BaselineEntry => ({
    at: '2026-11-26T00:00:00.000Z',
    outcome,
    attempts,
    okAttempts,
    phase,
    summary: '',
  });

  it('counts schedules and single attempts separately', () => {
    expect(successRate([entry('pass', 1, 1), entry('warn', 3, 1), entry('fail', 3, 0), entry('pass', 1, 1)])).toEqual({
      samples: 4,
      outcomeRate: 0.75,
      attemptRate: 3 / 8,
    });
    expect(successRate([])).toEqual({ samples: 0, outcomeRate: 0, attemptRate: 0 });
  });

  it('tells a stable probe from a flaky one and from one that is simply failing', () => {
    const stable = Array.from({ length: 6 }, () => entry('pass', 1, 1));
    const flaky = [...stable.slice(0, 4), entry('warn', 3, 1), entry('warn', 2, 1)];
    const failing = Array.from({ length: 6 }, () => entry('fail', 3, 0));
    expect(classifyHistory(stable)).toBe('stable');
    expect(classifyHistory(flaky)).toBe('flaky');
    expect(classifyHistory(failing)).toBe('failing');
    expect(classifyHistory(stable.slice(0, 4))).toBe('unknown');
    expect(classifyHistory(flaky, { flaky_below: 0.5 })).toBe('stable');
    expect(classifyHistory(stable.slice(0, 2), { min_samples: 2 })).toBe('stable');
  });

  it('judges only the newest `window` baselines: after-update results (a rolled-back update) never make a check look flaky', () => {
    const stable = Array.from({ length: 6 }, () => entry('pass', 1, 1));
    const brokenUpdates = Array.from({ length: 6 }, () => entry('fail', 3, 0, 'after-update'));
    expect(judgeHistory([...stable, ...brokenUpdates])).toEqual({ samples: 6, outcomeRate: 1, attemptRate: 1, class: 'stable' });
    // Old flakiness falls out of the window.
    const old = Array.from({ length: 10 }, () => entry('warn', 4, 1));
    expect(judgeHistory([...old, ...stable]).class).toBe('flaky');
    expect(judgeHistory([...old, ...stable], { window: 6 })).toMatchObject({ samples: 6, class: 'stable' });
    expect(judgeHistory([...old, ...stable], { window: 6, min_samples: 7 }).class).toBe('unknown');
  });

  it('record() keeps `keep` entries per call when given (2 × window), the store default otherwise', async () => {
    const store = new BaselineStore(dir, { keep: 2 });
    const r = { outcome: 'pass' as const, attempts: [], summary: '', warnings: [] };
    for (let i = 0; i < 5; i++) await store.record(101, 'web', r, 'before-update', new Date(), 4);
    expect(await store.history(101, 'web')).toHaveLength(4);
    await store.record(101, 'web', r, 'before-update');
    expect(await store.history(101, 'web')).toHaveLength(2);
  });
});
