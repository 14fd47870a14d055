import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../packages/engine/src/host/memory-host.js';
import { computeSeverity } from '../../packages/engine/src/notify/severity.js';
import { EXIT_CODES } from '../../packages/engine/src/report/exit-codes.js';
import { writeJournal } from '../../packages/engine/src/safety/journal.js';
import { snapshotNameFor } from '../../packages/engine/src/safety/own-snapshots.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from '../../packages/engine/test/lifecycle/fake-host-harness.js';

// Symptom (issue 12): killed mid-snapshot, containers were left frozen with the `snapshot` lock;
// the next run printed "recovered … (backup): none", skipped them as "locked" and exited 0.

const KILLED = '20261126T021500Z-3fa9c2';
const SNAP = snapshotNameFor(KILLED);
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
let cases: MemoryCases;

beforeAll(async () => {
  cases = await memoryCases();
});

describe("a lock left by unrot's own interrupted backup is named, with the remedy, and needs attention", () => {
  it('the next run names the lock and its owner, gives the exact commands, never unlocks, and exits 6; once cleared, it updates', async () => {
    const dir = await cases.setup('', { 101: copyPolicy(1) });
    const stateDir = join(dir, 'state');
    await writeFile(
      join(dir, 'config/global.yml'),
      `state_dir: ${stateDir}\ndefaults:\n  backup: { mode: snapshot }\n  runners: { os: none }\n  retries: 0\npreflight: { max_load: 100000 }\n`,
    );
    const host = new MemoryHost({
      containers: [{ ...memCt(101, 'running', { [join(dir, 'src1')]: 'v2\n', [join(dir, 'dst1')]: 'v1\n' }), lock: 'snapshot' }],
    });
    // What the killed run left: its journal at step backup (no backup recorded yet) and Proxmox's lock.
    await writeJournal(stateDir, {
      runId: KILLED,
      vmid: 101,
      step: 'backup',
      wasRunning: true,
      pid: 999_999,
      at: '2026-11-26T02:15:01.000Z',
    });

    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });

    const [recovery] = run.report.recoveries;
    expect(recovery).toMatchObject({ vmid: 101, runId: KILLED, step: 'backup', lock: 'snapshot', attention: true });
    expect(recovery?.detail).toContain(`CT 101 is locked (snapshot) by unrot's interrupted backup in run ${KILLED}`);
    const remedy = (recovery?.remedy ?? []).join('\n');
    expect(remedy).toContain('lxc-unfreeze -n 101');
    expect(remedy).toContain('pct unlock 101');
    expect(remedy).toContain('pct listsnapshot 101');
    expect(remedy).toContain(`pct delsnapshot 101 ${SNAP} --force`);
    // Unlock before delsnapshot: Proxmox refuses to delete a snapshot of a locked CT.
    expect(remedy.indexOf('pct unlock 101')).toBeLessThan(remedy.indexOf('pct delsnapshot'));
    const ct = run.report.containers.find((c) => c.vmid === 101);
    expect(ct).toMatchObject({ outcome: 'skipped', skipReason: 'locked', skipClass: 'attention' });
    expect(ct?.skipDetail).toContain("unrot's interrupted backup");
    expect(run.report.summary.needsAttention).toBe(1);
    expect(run.exitCode).toBe(EXIT_CODES.NEEDS_ATTENTION);
    expect(computeSeverity(run.report).severity).toBe('degraded');
    // Nothing was done to the container; the lock is the operator's to lift; the journal stays.
    expect(host.container(101).lock).toBe('snapshot');
    const changing = ['snapshot', 'deleteSnapshot', 'rollback', 'setRunning', 'vzdump', 'restore'];
    expect(host.ops().filter((o) => changing.includes(o.op))).toEqual([]);
    expect(host.ops('exec').filter((o) => o.argv?.[0] === 'cp')).toEqual([]);
    expect(await exists(join(stateDir, 'journal', 'ct-101.json'))).toBe(true);

    // The operator followed the remedy: the next run clears the journal and updates.
    delete host.container(101).lock;
    const again = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });
    expect(again.report.recoveries).toEqual([expect.objectContaining({ vmid: 101, action: 'none' })]);
    expect(again.report.recoveries[0]?.attention).toBeUndefined();
    expect(again.report.containers.find((c) => c.vmid === 101)?.outcome).toBe('updated');
    expect(again.exitCode).toBe(EXIT_CODES.OK);
    expect(await exists(join(stateDir, 'journal', 'ct-101.json'))).toBe(false);
  });
});
