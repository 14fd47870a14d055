import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { MemoryHost } from '../../packages/engine/src/host/memory-host.js';
import { exitCodeFor } from '../../packages/engine/src/report/exit-codes.js';
import { writeJournal } from '../../packages/engine/src/safety/journal.js';
import { snapshotNameFor } from '../../packages/engine/src/safety/own-snapshots.js';
import { recoverInterrupted } from '../../packages/engine/src/safety/recover-interrupted.js';
import { sandbox } from './state-fixtures.js';

// Symptom (issue 12, scope 6): a run killed inside a rollback leaves Proxmox's `rollback` lock; the
// next run's restore was refused by Proxmox with no word on whose lock it was or what to do.

const KILLED = '20261126T021500Z-3fa9c2';
const SNAP = snapshotNameFor(KILLED);
const policy = () => ({ onInterrupt: 'rollback' as const, rollbackTimeoutMs: 1000 });
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const changing = ['snapshot', 'deleteSnapshot', 'rollback', 'setRunning', 'vzdump', 'restore'];

describe('recovery never acts on a locked container, and says whose lock it is', () => {
  it("unrot's own interrupted rollback: named, remedy to unlock and roll back again, journal kept, needs attention", async () => {
    const s = await sandbox();
    const host = new MemoryHost({ containers: [{ vmid: 101, status: 'stopped', lock: 'rollback' }] });
    const backup = { kind: 'snapshot' as const, name: SNAP };
    await writeJournal(s.stateDir, {
      runId: KILLED,
      vmid: 101,
      step: 'rollback',
      backup,
      wasRunning: true,
      pid: 999_999,
      at: '2026-11-26T02:16:00.000Z',
    });

    const [report] = await recoverInterrupted(s.stateDir, host, policy, silentLogger, undefined, { lockDir: join(s.root, 'locks') });

    expect(report).toMatchObject({ vmid: 101, step: 'rollback', action: 'failed', lock: 'rollback', attention: true });
    expect(report?.detail).toContain(`CT 101 is locked (rollback) by unrot's interrupted rollback in run ${KILLED}`);
    expect(report?.error).toMatch(/^E_CT_LOCKED: /);
    const remedy = (report?.remedy ?? []).join('\n');
    expect(remedy).toContain('pct unlock 101');
    expect(remedy).toContain(`pct rollback 101 ${SNAP}, then pct start 101`);
    expect(host.ops().filter((o) => changing.includes(o.op))).toEqual([]);
    expect(host.container(101).lock).toBe('rollback');
    expect(await exists(join(s.stateDir, 'journal', 'ct-101.json'))).toBe(true);
    expect(exitCodeFor({ containers: [], unrecovered: 1 })).toBe(1);
  });

  it('a lock the interrupted step does not explain (a migration) is called foreign, and nothing is restored', async () => {
    const s = await sandbox();
    const host = new MemoryHost({ containers: [{ vmid: 102, status: 'running', lock: 'migrate' }] });
    await writeJournal(s.stateDir, {
      runId: KILLED,
      vmid: 102,
      step: 'apply',
      backup: { kind: 'snapshot', name: SNAP },
      wasRunning: true,
      pid: 999_999,
      at: '2026-11-26T02:16:00.000Z',
    });

    const [report] = await recoverInterrupted(s.stateDir, host, policy, silentLogger, undefined, { lockDir: join(s.root, 'locks') });

    expect(report).toMatchObject({ vmid: 102, action: 'failed', lock: 'migrate', attention: true });
    expect(report?.detail).toContain("which unrot's interrupted apply");
    expect(report?.detail).toContain('does not explain');
    expect(host.ops().filter((o) => changing.includes(o.op))).toEqual([]);
  });
});
