import { access, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recoverInterrupted } from '../../packages/engine/src/safety/recover-interrupted.js';
import { keptLog, ownSnapshotEntry, recordingHost, sandbox } from './state-fixtures.js';

const RUN = '20261126T021500Z-3fa9c2';
const policy = () => ({ onInterrupt: 'rollback' as const, rollbackTimeoutMs: 1000 });
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const journal = (vmid: number, backup: Record<string, unknown>) =>
  JSON.stringify({ runId: RUN, vmid, step: 'apply', backup, wasRunning: true, pid: 4242, at: '2026-11-26T02:15:05.000Z' });

describe('recovery acts only on a backup unrot recorded and Proxmox still lists', () => {
  // Attack (issue 12): a planted journal/ct-101.json made the next run `pct stop 101` and
  // `pct restore 101 <attacker archive> --force 1`.
  it('a planted journal naming an attacker archive stops and restores nothing; it is quarantined and named', async () => {
    const s = await sandbox();
    const evil = join(s.root, 'evil.tar.zst');
    await writeFile(evil, 'rootkit');
    const file = join(s.stateDir, 'journal', 'ct-101.json');
    await writeFile(file, journal(101, { kind: 'vzdump', archive: evil }));
    const host = recordingHost();
    const log = keptLog();

    const reports = await recoverInterrupted(s.stateDir, host, policy, log, undefined, { storageCfg: s.storageCfg });

    expect(host.calls.filter((c) => !c.startsWith('status'))).toEqual([]);
    expect(reports).toEqual([
      expect.objectContaining({ vmid: 101, action: 'failed', error: expect.stringMatching(/^QUARANTINED: .*ct-101\.json/) }),
    ]);
    expect(await exists(file)).toBe(false);
    expect((await readdir(join(s.stateDir, 'quarantine'))).filter((f) => f.startsWith('journal_ct-101.json.'))).toHaveLength(2); // file + reason
    expect(log.lines.some((l) => l.level === 'error' && l.msg?.includes(file))).toBe(true);
  });

  // Attack: the same with the archive planted inside the real dump directory, recorded in a
  // planted backups file too: vzdump never wrote notes for it, so it is not unrot's.
  it('a planted journal and backups record naming an archive vzdump did not make for unrot restore nothing', async () => {
    const s = await sandbox();
    const planted = join(s.dumpDir, 'vzdump-lxc-101-2026_11_26-02_15_00.tar.zst');
    await writeFile(planted, 'rootkit');
    await writeFile(join(s.stateDir, 'journal', 'ct-101.json'), journal(101, { kind: 'vzdump', archive: planted }));
    await writeFile(
      join(s.stateDir, 'backups', 'ct-101.json'),
      JSON.stringify([{ kind: 'vzdump', archive: planted, runId: RUN, takenAt: '2026-11-26T02:15:01.000Z', result: 'pending' }]),
    );
    const host = recordingHost();

    const [report] = await recoverInterrupted(s.stateDir, host, policy, keptLog(), undefined, { storageCfg: s.storageCfg });

    expect(host.calls.filter((c) => !c.startsWith('status'))).toEqual([]);
    expect(report?.error).toMatch(/^QUARANTINED: .*notes/);
  });

  // Attack: a planted journal naming an operator's own snapshot: the next run rolled the container back to it.
  it('a planted journal naming a snapshot that is not unrot’s own does not roll back', async () => {
    const s = await sandbox();
    await writeFile(join(s.stateDir, 'journal', 'ct-101.json'), journal(101, { kind: 'snapshot', name: 'before-migration' }));
    const host = recordingHost({ 101: [{ ...ownSnapshotEntry(RUN), name: 'before-migration', description: 'by hand' }] });

    const [report] = await recoverInterrupted(s.stateDir, host, policy, keptLog(), undefined, { storageCfg: s.storageCfg });

    expect(host.calls.filter((c) => !c.startsWith('status'))).toEqual([]);
    expect(report?.error).toMatch(/^QUARANTINED: /);
  });

  // Failure (issue 12): one corrupt journal file made every later run exit 70 without naming it.
  it('a corrupt journal is quarantined and named; other containers are recovered as usual', async () => {
    const s = await sandbox();
    const corrupt = join(s.stateDir, 'journal', 'ct-101.json');
    await writeFile(corrupt, '{"runId":"20261126T021500Z-3fa9c2","vmid":101,"st');
    await writeFile(join(s.stateDir, 'journal', 'ct-102.json'), journal(102, { kind: 'snapshot', name: 'unrot-20261126-021500-3fa9c2' }));
    await writeFile(
      join(s.stateDir, 'backups', 'ct-102.json'),
      JSON.stringify([
        { kind: 'snapshot', name: 'unrot-20261126-021500-3fa9c2', runId: RUN, takenAt: '2026-11-26T02:15:01.000Z', result: 'pending' },
      ]),
    );
    const host = recordingHost({ 102: [ownSnapshotEntry(RUN)] });

    const reports = await recoverInterrupted(s.stateDir, host, policy, keptLog(), undefined, { storageCfg: s.storageCfg });

    expect(reports.find((r) => r.vmid === 101)).toMatchObject({
      action: 'failed',
      error: expect.stringContaining(`${corrupt}: not valid JSON`),
    });
    expect(reports.find((r) => r.vmid === 102)).toMatchObject({ action: 'rolled-back', to: 'unrot-20261126-021500-3fa9c2' });
    expect(host.calls).toContain('rollback 102 unrot-20261126-021500-3fa9c2');
    expect(await exists(corrupt)).toBe(false);
  });
});
