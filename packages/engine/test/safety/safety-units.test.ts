import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListSnapshot } from '../../src/host/parse-listsnapshot.js';
import { backupError, parseVzdumpArchive } from '../../src/host/pct-backup.js';
import { isOwnSnapshot, ownSnapshots, snapshotDescriptionFor, snapshotNameFor } from '../../src/safety/own-snapshots.js';
import { acquireRunLock } from '../../src/safety/run-lock.js';

describe('pct backup texts (pct-reference §4, §10)', () => {
  it('maps the reference error texts to codes', () => {
    expect(backupError('snapshot', 100, 255, 'snapshot feature is not available\n', []).code).toBe('E_SNAPSHOT_UNSUPPORTED');
    expect(backupError('snapshot', 100, 255, 'CT is locked (backup)\n', []).code).toBe('E_CT_LOCKED');
    expect(
      backupError(
        'vzdump',
        100,
        255,
        'ERROR: Backup of VM 100 failed - CT is locked (snapshot)\nINFO: Backup job finished with errors\njob errors\n',
        [],
      ).message,
    ).toContain('locked (snapshot)');
    expect(backupError('rollback', 100, 255, "snapshot 'x' does not exist\n", []).code).toBe('E_ROLLBACK_FAILED');
    expect(backupError('snapshot', 100, 255, "snapshot name 'a' already used\n", []).code).toBe('E_BACKUP_FAILED');
  });

  it("reads the archive path from vzdump's console output", () => {
    const out = [
      'INFO: starting new backup job: vzdump 100 --storage local --compress zstd --mode snapshot',
      "INFO: creating vzdump archive '/var/lib/vz/dump/vzdump-lxc-100-2025_08_20-10_00_00.tar.zst'",
      'INFO: Backup job finished successfully',
    ].join('\n');
    expect(parseVzdumpArchive(out)).toBe('/var/lib/vz/dump/vzdump-lxc-100-2025_08_20-10_00_00.tar.zst');
    expect(parseVzdumpArchive('INFO: Backup job finished with errors')).toBeUndefined();
  });
});

describe("unrot's own snapshots", () => {
  const runId = '20261126T021500Z-3fa9c2';
  it('are valid Proxmox snapshot names, never reserved ones', () => {
    const name = snapshotNameFor(runId);
    expect(name).toBe('unrot-20261126-021500-3fa9c2');
    expect(name).toMatch(/^[a-z][a-z0-9_-]+$/i);
    expect(name.length).toBeLessThanOrEqual(40);
  });

  it('are recognised by name AND description; hand-made, vzdump and look-alikes are not', () => {
    const tree = parseListSnapshot(
      [
        '`-> handmade                    2026-11-20 10:00:00     before my change',
        ` \`-> ${snapshotNameFor(runId)}   2026-11-26 02:15:00     ${snapshotDescriptionFor(runId, ['apt'])}`,
        '  `-> unrot-20261127-021500-aaaaaa 2026-11-27 02:15:00     copied by hand',
        '   `-> vzdump                    2026-11-27 03:00:00     vzdump backup snapshot',
        '    `-> current                                         You are here!',
      ].join('\n'),
    );
    expect(ownSnapshots(tree).map((s) => s.name)).toEqual([snapshotNameFor(runId)]);
    expect(tree.filter(isOwnSnapshot)).toHaveLength(1);
  });
});

describe('the host run lock', () => {
  it('refuses a second holder while the first lives, and takes over a stale lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unrot-lock-'));
    const path = join(dir, 'run.lock');
    const first = await acquireRunLock(path, '20261126T021500Z-aaaaaa');
    await expect(acquireRunLock(path, '20261126T021501Z-bbbbbb')).rejects.toMatchObject({ code: 'E_RUN_LOCKED' });
    await first.release();
    // A lock left by a process that is gone (here: a child that exited) is stale.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.on('close', r));
    await writeFile(path, JSON.stringify({ pid, startTime: '1', runId: 'dead', at: new Date().toISOString() }));
    const second = await acquireRunLock(path, '20261126T021502Z-cccccc');
    expect(JSON.parse(await readFile(path, 'utf8')).runId).toBe('20261126T021502Z-cccccc');
    await second.release();
  });
});
