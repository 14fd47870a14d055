import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChangeReport, ChangeReportSchema, currentActor } from '../../src/report/change-report.js';
import { latestRunId, readRunReport, updateLatestPointer } from '../../src/report/latest.js';
import { ct, makeReport } from '../notify/report-fixtures.js';

describe('the change report (changes.json)', () => {
  it('lists per container each package from → to, the backup used and a rollback; leaves out untouched containers', () => {
    const report = makeReport([
      ct(101, 'updated', { backup: { kind: 'snapshot', planned: false, name: 'unrot_20261126T021500Z' } }),
      ct(102, 'rolled-back', {
        backup: { kind: 'vzdump', planned: false, archive: 'local:backup/vzdump-lxc-102.tar.zst' },
        rollback: {
          reason: 'E_VERIFY_FAILED: nginx',
          kind: 'vzdump',
          to: 'local:backup/vzdump-lxc-102.tar.zst',
          running: true,
          durationMs: 9,
        },
      }),
      ct(103, 'nothing-to-do'),
      ct(104, 'skipped'),
      ct(105, 'failed'),
    ]);
    const changes = buildChangeReport(report, { user: 'alice', trigger: 'manual' });
    expect(Value.Check(ChangeReportSchema, changes)).toBe(true);
    expect(changes).toMatchObject({
      runId: report.runId,
      node: 'pve1',
      who: { user: 'alice', trigger: 'manual' },
      finishedAt: report.finishedAt,
    });
    expect(changes.containers).toEqual([
      {
        vmid: 101,
        name: 'ct101',
        outcome: 'updated',
        changes: [
          { runner: 'apt', name: 'openssl', from: '3.0.1', to: '3.0.2' },
          { runner: 'apt', name: 'libssl3', from: '3.0.1', to: '3.0.2' },
        ],
        backup: { kind: 'snapshot', name: 'unrot_20261126T021500Z' },
      },
      {
        vmid: 102,
        name: 'ct102',
        outcome: 'rolled-back',
        changes: [],
        backup: { kind: 'vzdump', archive: 'local:backup/vzdump-lxc-102.tar.zst' },
        rollback: { kind: 'vzdump', to: 'local:backup/vzdump-lxc-102.tar.zst', reason: 'E_VERIFY_FAILED: nginx' },
      },
    ]);
  });

  it('names who started the run: the sudo user first, then USER, and the trigger', () => {
    expect(currentActor({ SUDO_USER: 'alice', USER: 'root', UNROT_TRIGGER: 'timer' })).toEqual({ user: 'alice', trigger: 'timer' });
    expect(currentActor({ USER: 'root' })).toEqual({ user: 'root', trigger: 'manual' });
    expect(currentActor({ LOGNAME: 'bob', UNROT_TRIGGER: 'cron' })).toEqual({ user: 'bob', trigger: 'cron' });
    expect(currentActor({}).user).toMatch(/^uid \d+$/);
  });
});

describe('the latest pointer', () => {
  let state: string;
  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), 'unrot-latest-'));
    await mkdir(join(state, 'runs'));
  });
  afterAll(async () => {
    await rm(state, { recursive: true, force: true });
  });

  it('is a relative symlink replaced by rename, leaving no temporary link behind', async () => {
    expect(await latestRunId(state)).toBeUndefined();
    await expect(readRunReport(state)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('no run has finished yet'),
    });
    const a = '20261126T021500Z-aaaaaa';
    const b = '20261126T031500Z-bbbbbb';
    for (const id of [a, b]) {
      await mkdir(join(state, 'runs', id));
      await writeFile(join(state, 'runs', id, 'report.json'), JSON.stringify(makeReport([], { runId: id })));
    }
    await updateLatestPointer(state, a);
    expect(await readlink(join(state, 'runs/latest'))).toBe(a);
    await Promise.all([updateLatestPointer(state, b), updateLatestPointer(state, b)]);
    expect(await readlink(join(state, 'runs/latest'))).toBe(b);
    expect((await readdir(join(state, 'runs'))).sort()).toEqual([a, b, 'latest']);
    expect((await readRunReport(state)).report.runId).toBe(b);
    expect((await readRunReport(state, a)).report.runId).toBe(a);
  });

  it('refuses ids that are not run ids, missing runs and files that are not reports', async () => {
    await expect(readRunReport(state, '../x')).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(readRunReport(state, '20200101T000000Z-000000')).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('no report for run 20200101T000000Z-000000'),
    });
    const id = '20261126T041500Z-cccccc';
    await mkdir(join(state, 'runs', id));
    await writeFile(join(state, 'runs', id, 'report.json'), '{"schema":"other"}');
    await expect(readRunReport(state, id)).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });
});
