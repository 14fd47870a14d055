import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MemoryExecHandler } from '../../src/host/memory-host.js';
import { readBackups, writeBackups } from '../../src/safety/backup-index.js';
import type { JournalEntry } from '../../src/safety/journal.js';
import { statePaths } from '../../src/safety/state-files.js';
import { fileRunner, pipelineCase, RUN_ID, VMID } from '../lifecycle/memory-pipeline.js';

// Every decision of the safety net, offline, against the in-memory host: the backup comes before
// the first change, a rollback really puts the container's files back, the journal and the backup
// index say what happened, and retention touches only unrot's own snapshots.

const SNAPSHOT = 'unrot-20261202-143000-abc123';
const BEFORE = { '/pkg/os': '1.0\n', '/pkg/app': '1.0\n' };

/** Records the journal entry as it stands when each changing command runs (read from the state dir). */
function journalSpy(stateDir: string): { seen: Array<JournalEntry | undefined>; handler: MemoryExecHandler } {
  const seen: Array<JournalEntry | undefined> = [];
  const file = statePaths(stateDir).journalFile(VMID);
  return {
    seen,
    handler: ({ argv }) => {
      if (argv[0] === 'cp' || argv[0] === 'false')
        seen.push(existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as JournalEntry) : undefined);
      return undefined;
    },
  };
}

const pkgFiles = (files: Record<string, string>) => ({ '/pkg/os': files['/pkg/os'], '/pkg/app': files['/pkg/app'] });

describe('the safety net', () => {
  it('takes the snapshot before the first change, journals apply with it, and clears the journal after a good update', async () => {
    const c = await pipelineCase({ runners: { os: fileRunner('os'), app: fileRunner('app') } });
    const spy = journalSpy(c.task.stateDir);
    c.host.onExec(spy.handler);
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    const calls = c.host.ops();
    const snapshotAt = calls.findIndex((call) => call.op === 'snapshot');
    const firstChange = calls.findIndex((call) => call.op === 'exec' && call.argv?.[0] === 'cp');
    expect(snapshotAt).toBeGreaterThanOrEqual(0);
    expect(snapshotAt).toBeLessThan(firstChange);
    expect(c.host.container(VMID).snapshots.map((s) => s.name)).toEqual([SNAPSHOT]);
    // The snapshot holds the state before the update.
    expect(c.host.container(VMID).snapshots[0]?.image.files.get('/pkg/os')).toBe('1.0\n');
    expect(spy.seen.map((j) => [j?.step, j?.backup])).toEqual([
      ['apply', { kind: 'snapshot', name: SNAPSHOT }],
      ['apply', { kind: 'snapshot', name: SNAPSHOT }],
    ]);
    expect(existsSync(statePaths(c.task.stateDir).journalFile(VMID))).toBe(false);
    expect(await readBackups(c.task.stateDir, VMID)).toEqual([
      expect.objectContaining({ kind: 'snapshot', name: SNAPSHOT, runId: RUN_ID, result: 'updated' }),
    ]);
    expect(pkgFiles(c.host.files(VMID))).toEqual({ '/pkg/os': '2.0\n', '/pkg/app': '2.0\n' });
    expect(report.backup).toMatchObject({ kind: 'snapshot', planned: false, name: SNAPSHOT });
    expect(report.changingCommands).toBe(2);
  });

  it('a critical runner fails after a change: the snapshot is rolled back, the files are as before, and the CT runs again', async () => {
    const c = await pipelineCase({ runners: { os: fileRunner('os'), app: fileRunner('app', { apply: 'fails-after-change' }) } });
    const report = await c.run();
    expect(report.outcome).toBe('rolled-back');
    expect(pkgFiles(c.host.files(VMID))).toEqual(BEFORE);
    expect(c.host.container(VMID).status).toBe('running');
    expect(c.host.ops('rollback')).toEqual([{ op: 'rollback', vmid: VMID, name: SNAPSHOT }]);
    expect(report.rollback).toMatchObject({
      kind: 'snapshot',
      to: SNAPSHOT,
      running: true,
      reason: expect.stringMatching(/^E_EXEC_FAILED: /),
    });
    expect(c.events.find((e) => e.name === 'rollback:done')?.payload).toMatchObject({ to: SNAPSHOT, running: true });
    expect(existsSync(statePaths(c.task.stateDir).journalFile(VMID))).toBe(false);
    expect((await readBackups(c.task.stateDir, VMID))[0]?.result).toBe('rolled-back');
  });

  it('verification fails: rolled back to the snapshot', async () => {
    const c = await pipelineCase({ runners: { os: fileRunner('os'), app: fileRunner('app', { apply: 'changes-nothing' }) } });
    const report = await c.run();
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { step: 'verify', code: 'E_VERIFY_FAILED', runner: 'app' } });
    // os had been updated; the rollback undid it too.
    expect(pkgFiles(c.host.files(VMID))).toEqual(BEFORE);
  });

  it('a container that is not running after the update fails verification and is rolled back and started', async () => {
    const c = await pipelineCase();
    c.host.onExec(({ argv, container }) => {
      if (argv[0] === 'cp') {
        container.files.set('/pkg/os', '2.0\n');
        container.status = 'stopped';
        return { exitCode: 0 };
      }
      return undefined;
    });
    const report = await c.run();
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { step: 'verify', code: 'E_VERIFY_FAILED' } });
    expect(report.error?.message).toMatch(/is stopped after the update/);
    expect(c.host.container(VMID).status).toBe('running');
    expect(c.host.files(VMID)['/pkg/os']).toBe('1.0\n');
  });

  it('a non-critical runner fails (rollback.critical names others): the change stays, the backup is recorded as failed', async () => {
    const c = await pipelineCase({
      runners: { os: fileRunner('os'), app: fileRunner('app', { apply: 'fails-after-change' }) },
      task: { rollback: { onFailure: true, critical: ['os'], onInterrupt: 'rollback' } },
    });
    const report = await c.run();
    expect(report).toMatchObject({ outcome: 'failed', error: { step: 'apply', runner: 'app' } });
    expect(c.host.ops('rollback')).toEqual([]);
    expect(pkgFiles(c.host.files(VMID))).toEqual({ '/pkg/os': '2.0\n', '/pkg/app': '2.0\n' });
    expect(existsSync(statePaths(c.task.stateDir).journalFile(VMID))).toBe(false);
    expect((await readBackups(c.task.stateDir, VMID))[0]?.result).toBe('failed');
  });

  it('rollback disabled (rollback.on_failure: false): no rollback, the backup is kept and recorded as failed', async () => {
    const c = await pipelineCase({
      runners: { os: fileRunner('os', { apply: 'fails-after-change' }) },
      task: { rollback: { onFailure: false, onInterrupt: 'rollback' } },
    });
    const report = await c.run();
    expect(report.outcome).toBe('failed');
    expect(report.rollback).toBeUndefined();
    expect(c.host.ops('rollback')).toEqual([]);
    expect(c.host.files(VMID)['/pkg/os']).toBe('2.0\n');
    expect(c.host.container(VMID).snapshots.map((s) => s.name)).toEqual([SNAPSHOT]);
    expect((await readBackups(c.task.stateDir, VMID))[0]?.result).toBe('failed');
  });

  it('the rollback itself fails: the journal keeps saying rollback so the next run tries again', async () => {
    const c = await pipelineCase({ runners: { os: fileRunner('os', { apply: 'fails-after-change' }) } });
    c.host.fail('rollback', 'E_ROLLBACK_FAILED');
    const report = await c.run();
    expect(report).toMatchObject({ outcome: 'failed', error: { step: 'rollback', code: 'E_ROLLBACK_FAILED' } });
    expect(report.rollback).toMatchObject({ to: SNAPSHOT, running: false, error: expect.stringMatching(/injected/) });
    const journal = JSON.parse(readFileSync(statePaths(c.task.stateDir).journalFile(VMID), 'utf8')) as JournalEntry;
    expect(journal).toMatchObject({ runId: RUN_ID, vmid: VMID, step: 'rollback', backup: { kind: 'snapshot', name: SNAPSHOT } });
    expect((await readBackups(c.task.stateDir, VMID))[0]?.result).toBe('pending');
  });

  it('no backup (backup.mode: none): a failure cannot be rolled back and fails the container', async () => {
    const c = await pipelineCase({
      runners: { os: fileRunner('os', { apply: 'fails-after-change' }) },
      task: {
        backup: { mode: 'none', onUnsupported: 'skip', keep: 3, vzdumpStorage: 'local', vzdumpMode: 'snapshot', vzdumpCompress: 'zstd' },
      },
    });
    const report = await c.run();
    expect(report.outcome).toBe('failed');
    expect(c.host.ops('snapshot')).toEqual([]);
    expect(c.host.ops('rollback')).toEqual([]);
    expect(existsSync(statePaths(c.task.stateDir).journalFile(VMID))).toBe(false);
  });

  it('vzdump backups: restored by stop, pct restore, start', async () => {
    const c = await pipelineCase({
      runners: { os: fileRunner('os', { apply: 'fails-after-change' }) },
      task: {
        backup: { mode: 'vzdump', onUnsupported: 'skip', keep: 3, vzdumpStorage: 'local', vzdumpMode: 'snapshot', vzdumpCompress: 'zstd' },
      },
    });
    const report = await c.run();
    expect(report.outcome).toBe('rolled-back');
    const archive = report.backup?.archive as string;
    expect(archive).toMatch(/^\/var\/lib\/vz\/dump\/vzdump-lxc-101-.*\.tar\.zst$/);
    expect(c.host.ops().filter((call) => ['setRunning', 'restore'].includes(call.op))).toEqual([
      { op: 'setRunning', vmid: VMID },
      { op: 'restore', vmid: VMID, archive },
      { op: 'setRunning', vmid: VMID },
    ]);
    expect(c.host.files(VMID)['/pkg/os']).toBe('1.0\n');
    expect(c.host.container(VMID).status).toBe('running');
  });

  it('snapshots unsupported and on_unsupported: skip: skipped backup-unavailable, nothing changed', async () => {
    const c = await pipelineCase({
      host: { containers: [{ vmid: VMID, files: { ...BEFORE, '/staged/os': '2.0\n' }, snapshotFeature: false }] },
    });
    const report = await c.run();
    expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'backup-unavailable' });
    expect(report.skipDetail).toMatch(/on_unsupported is skip/);
    expect(c.host.ops('exec').some((call) => call.argv?.[0] === 'cp')).toBe(false);
    expect(existsSync(statePaths(c.task.stateDir).journalFile(VMID))).toBe(false);
  });

  it('snapshots unsupported and on_unsupported: vzdump: falls back to a vzdump archive', async () => {
    const c = await pipelineCase({
      host: { containers: [{ vmid: VMID, files: { ...BEFORE, '/staged/os': '2.0\n' }, snapshotFeature: false }] },
      task: {
        backup: {
          mode: 'snapshot',
          onUnsupported: 'vzdump',
          keep: 3,
          vzdumpStorage: 'local',
          vzdumpMode: 'snapshot',
          vzdumpCompress: 'zstd',
        },
      },
    });
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    expect(report.backup?.kind).toBe('vzdump');
    expect(c.host.archives.size).toBe(1);
  });

  it('the kill switch before the backup: skipped, nothing taken or changed', async () => {
    const c = await pipelineCase();
    const killSwitchFile = `${c.task.stateDir}/STOP`;
    c.task.killSwitchFile = killSwitchFile;
    // The switch appears while the runner checks (after the safe points of preflight and detect).
    c.host.onExec(({ argv }) => {
      if (argv[0] === 'cat') writeFileSync(killSwitchFile, '');
      return undefined;
    });
    const report = await c.run();
    expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'kill-switch' });
    expect(c.host.ops('snapshot')).toEqual([]);
    expect(c.host.files(VMID)['/pkg/os']).toBe('1.0\n');
  });

  it('retention after a good update prunes only unrot’s own oldest snapshots, never anyone else’s', async () => {
    const c = await pipelineCase({
      task: {
        backup: {
          mode: 'snapshot',
          onUnsupported: 'skip',
          keep: 2,
          vzdumpStorage: 'local',
          vzdumpMode: 'snapshot',
          vzdumpCompress: 'zstd',
        },
      },
    });
    const old = ['unrot-20261001-021500-aaaaaa', 'unrot-20261101-021500-bbbbbb'];
    const runIdOf = (name: string) => name.replace(/^unrot-(\d{8})-(\d{6})-/, '$1T$2Z-');
    await c.host.snapshot(VMID, 'before-upgrade', 'taken by the admin', 1000);
    for (const name of old) await c.host.snapshot(VMID, name, `unrot run ${runIdOf(name)}: before updating os`, 1000);
    // Looks like unrot's by name, but its description is not unrot's: not ours, never touched.
    await c.host.snapshot(VMID, 'unrot-20260901-021500-cccccc', 'copied by hand', 1000);
    await writeBackups(
      c.task.stateDir,
      VMID,
      old.map((name) => ({
        kind: 'snapshot' as const,
        name,
        runId: runIdOf(name),
        takenAt: '2026-11-01T02:15:00.000Z',
        result: 'updated' as const,
      })),
    );
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    expect(report.pruned).toEqual(['unrot-20261001-021500-aaaaaa']);
    expect(c.host.ops('deleteSnapshot')).toEqual([{ op: 'deleteSnapshot', vmid: VMID, name: 'unrot-20261001-021500-aaaaaa' }]);
    expect(c.host.container(VMID).snapshots.map((s) => s.name)).toEqual([
      'before-upgrade',
      'unrot-20261101-021500-bbbbbb',
      'unrot-20260901-021500-cccccc',
      SNAPSHOT,
    ]);
    expect((await readBackups(c.task.stateDir, VMID)).map((r) => r.name)).toEqual(['unrot-20261101-021500-bbbbbb', SNAPSHOT]);
  });

  it('a failing retention is reported, never a failed update', async () => {
    const c = await pipelineCase({
      task: {
        backup: {
          mode: 'snapshot',
          onUnsupported: 'skip',
          keep: 0,
          vzdumpStorage: 'local',
          vzdumpMode: 'snapshot',
          vzdumpCompress: 'zstd',
        },
      },
    });
    c.host.fail('deleteSnapshot', 'E_CT_LOCKED');
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    expect(report.pruneError).toMatch(/injected deleteSnapshot failure/);
  });
});
