import { access, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptLog, ownArchive, recordingHost, sandbox } from '../../../../test/security/state-fixtures.js';
import { readBackupsChecked } from '../../src/safety/backup-index.js';
import { readJournalsChecked } from '../../src/safety/journal.js';
import { listQuarantined } from '../../src/safety/quarantine.js';
import { recoverInterrupted } from '../../src/safety/recover-interrupted.js';
import { pruneOwnBackups } from '../../src/safety/retention.js';

const RUN_A = '20261101T021500Z-aaaaaa';
const RUN_B = '20261102T021500Z-bbbbbb';
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe("unrot's own backups are still pruned and restored", () => {
  it('retention deletes an own archive that is due, with the log and notes vzdump wrote beside it', async () => {
    const s = await sandbox();
    const old = await ownArchive(s.dumpDir, 101, '2026_11_01-02_15_00', RUN_A);
    await writeFile(old.replace(/\.tar\.zst$/, '.log'), 'vzdump log');
    const current = await ownArchive(s.dumpDir, 101, '2026_11_02-02_15_00', RUN_B);
    const rec = (archive: string, runId: string) => ({
      kind: 'vzdump',
      archive,
      runId,
      takenAt: '2026-11-01T02:15:00.000Z',
      result: 'updated',
    });
    await writeFile(join(s.stateDir, 'backups', 'ct-101.json'), JSON.stringify([rec(old, RUN_A), rec(current, RUN_B)]));

    const result = await pruneOwnBackups(recordingHost(), s.stateDir, 101, 1, { dryRun: false, timeoutMs: 1000, storageCfg: s.storageCfg });

    expect(result).toMatchObject({ deleted: [old], kept: [current] });
    for (const p of [old, `${old}.notes`, old.replace(/\.tar\.zst$/, '.log')]) expect(await exists(p)).toBe(false);
    expect(await exists(current)).toBe(true);
    expect((await readBackupsChecked(s.stateDir, 101)).records.map((r) => r.archive)).toEqual([current]);
  });

  it('recovery restores an archive unrot recorded, in the dump directory, with its notes', async () => {
    const s = await sandbox();
    const archive = await ownArchive(s.dumpDir, 101, '2026_11_02-02_15_00', RUN_B);
    await writeFile(
      join(s.stateDir, 'backups', 'ct-101.json'),
      JSON.stringify([
        { kind: 'vzdump', archive, storage: 'local-lvm', runId: RUN_B, takenAt: '2026-11-02T02:15:01.000Z', result: 'pending' },
      ]),
    );
    await writeFile(
      join(s.stateDir, 'journal', 'ct-101.json'),
      JSON.stringify({
        runId: RUN_B,
        vmid: 101,
        step: 'verify',
        backup: { kind: 'vzdump', archive, storage: 'local-lvm' },
        wasRunning: true,
        pid: 7,
        at: '2026-11-02T02:16:00.000Z',
      }),
    );
    const host = recordingHost();
    const [report] = await recoverInterrupted(
      s.stateDir,
      host,
      () => ({ onInterrupt: 'rollback', rollbackTimeoutMs: 1000, vzdumpStorage: 'local' }),
      keptLog(),
      undefined,
      {
        storageCfg: s.storageCfg,
      },
    );
    expect(report).toMatchObject({ action: 'rolled-back', to: archive });
    expect(host.calls).toEqual(['status 101', 'stop 101', `restore 101 ${archive}`, 'start 101', 'status 101']);
  });
});

describe('state files unrot does not trust', () => {
  it('a journal that is a symlink is quarantined as such, without reading its target', async () => {
    const s = await sandbox();
    const secret = join(s.root, 'shadow');
    await writeFile(secret, 'root:$6$hash:19000:0:99999:7:::\n');
    await symlink(secret, join(s.stateDir, 'journal', 'ct-101.json'));

    const { entries, quarantined } = await readJournalsChecked(s.stateDir);

    expect(entries).toEqual([]);
    expect(quarantined).toEqual([expect.objectContaining({ vmid: 101, reason: 'a symbolic link' })]);
    expect(await readFile(secret, 'utf8')).toContain('root:');
    expect(await listQuarantined(s.stateDir)).toEqual(quarantined);
  });

  it('a journal whose vmid does not match its file name is quarantined', async () => {
    const s = await sandbox();
    await writeFile(
      join(s.stateDir, 'journal', 'ct-101.json'),
      JSON.stringify({ runId: RUN_A, vmid: 102, step: 'backup', wasRunning: true, pid: 7, at: '2026-11-01T02:15:00.000Z' }),
    );
    const { entries, quarantined } = await readJournalsChecked(s.stateDir);
    expect(entries).toEqual([]);
    expect(quarantined[0]?.reason).toContain('does not match the file name');
  });
});
