import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../packages/engine/src/report/write-atomic.js';
import { addBackup } from '../../packages/engine/src/safety/backup-index.js';
import { writeJournal } from '../../packages/engine/src/safety/journal.js';
import { preparePrivateFile, preparePrivateFileSync } from '../../packages/engine/src/safety/trusted-dir.js';

const mode = async (p: string) => (await stat(p)).mode & 0o777;

// Exposure (issue 12): logs, reports and records were 0640/0644 in 0750/0755 directories.
describe('state files are written 0600 in 0700 directories', () => {
  it('journal, backup index and reports (write-atomic) are 0600; the directories it creates 0700', async () => {
    const stateDir = join(await mkdtemp(join(tmpdir(), 'unrot-sec-modes-')), 'state');
    await writeJournal(stateDir, {
      runId: '20261126T021500Z-3fa9c2',
      vmid: 101,
      step: 'apply',
      wasRunning: true,
      pid: 1,
      at: new Date().toISOString(),
    });
    await addBackup(stateDir, 101, {
      kind: 'snapshot',
      name: 'unrot-20261126-021500-3fa9c2',
      runId: '20261126T021500Z-3fa9c2',
      takenAt: new Date().toISOString(),
      result: 'pending',
    });
    const report = join(stateDir, 'runs', '20261126T021500Z-3fa9c2', 'report.json');
    await writeFileAtomic(report, '{}\n');

    expect(await mode(join(stateDir, 'journal', 'ct-101.json'))).toBe(0o600);
    expect(await mode(join(stateDir, 'backups', 'ct-101.json'))).toBe(0o600);
    expect(await mode(report)).toBe(0o600);
    for (const d of ['journal', 'backups', 'runs', join('runs', '20261126T021500Z-3fa9c2')])
      expect(await mode(join(stateDir, d))).toBe(0o700);
  });

  it('a log file prepared for pino is 0600 in a 0700 run directory', async () => {
    const runDir = join(await mkdtemp(join(tmpdir(), 'unrot-sec-modes-')), 'runs', '20261126T021500Z-3fa9c2');
    await preparePrivateFile(join(runDir, 'host.jsonl'));
    preparePrivateFileSync(join(runDir, 'ct-101.jsonl'));
    expect(await mode(join(runDir, 'host.jsonl'))).toBe(0o600);
    expect(await mode(join(runDir, 'ct-101.jsonl'))).toBe(0o600);
    expect(await mode(runDir)).toBe(0o700);
  });
});
