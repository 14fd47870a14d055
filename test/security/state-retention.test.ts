import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneOwnBackups } from '../../packages/engine/src/safety/retention.js';
import { ownArchive, recordingHost, sandbox } from './state-fixtures.js';

const RUN_A = '20261101T021500Z-aaaaaa';
const RUN_B = '20261102T021500Z-bbbbbb';
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const record = (archive: string, runId: string) => ({
  kind: 'vzdump',
  archive,
  runId,
  takenAt: '2026-11-01T02:15:00.000Z',
  result: 'updated',
});

describe('retention deletes only what unrot created', () => {
  // Attack (issue 12): a planted backups/ct-101.json naming /etc/passwd as a vzdump archive made
  // the retention step `rm` it as root. Here the victim is a file outside every dump directory.
  it('a planted backups file naming a file outside the dump directory deletes nothing of it', async () => {
    const s = await sandbox();
    const victim = join(s.root, 'passwd');
    await writeFile(victim, 'root:x:0:0:root:/root:/bin/bash\n');
    const own = await ownArchive(s.dumpDir, 101, '2026_11_02-02_15_00', RUN_B);
    await writeFile(join(s.stateDir, 'backups', 'ct-101.json'), JSON.stringify([record(victim, RUN_A), record(own, RUN_B)]));

    const host = recordingHost();
    const result = await pruneOwnBackups(host, s.stateDir, 101, 1, { dryRun: false, timeoutMs: 1000, storageCfg: s.storageCfg });

    expect(await readFile(victim, 'utf8')).toContain('root:x:0:0');
    expect(result.deleted).toEqual([]);
    expect(result.refused).toEqual([{ target: victim, reason: expect.stringContaining('dump directory') }]);
    expect(await exists(own)).toBe(true);
  });

  // Attack: the same, with a path that names the dump directory but climbs out of it (`..`).
  it('a planted archive path with .. is never trusted: the file is quarantined, nothing is deleted', async () => {
    const s = await sandbox();
    const victim = join(s.root, 'shadow');
    await writeFile(victim, 'secret');
    const climbing = `${s.dumpDir}/../../shadow`;
    await writeFile(
      join(s.stateDir, 'backups', 'ct-101.json'),
      JSON.stringify([record(climbing, RUN_A), record(`${s.dumpDir}/vzdump-lxc-101-2026_11_02-02_15_00.tar.zst`, RUN_B)]),
    );

    const result = await pruneOwnBackups(recordingHost(), s.stateDir, 101, 1, { dryRun: false, timeoutMs: 1000, storageCfg: s.storageCfg });

    expect(await readFile(victim, 'utf8')).toBe('secret');
    expect(result.deleted).toEqual([]);
    expect(result.quarantined?.from).toBe(join(s.stateDir, 'backups', 'ct-101.json'));
    expect(result.quarantined?.reason).toMatch(/archive/);
    expect((await readdir(join(s.stateDir, 'quarantine'))).some((f) => f.startsWith('backups_ct-101.json.'))).toBe(true);
  });

  // Attack: an archive named like a vzdump backup, in the dump directory, that vzdump did not make
  // for unrot (an operator's own backup, or one planted there): its notes do not say "unrot run".
  it("an archive in the dump directory without unrot's vzdump notes is kept", async () => {
    const s = await sandbox();
    const foreign = join(s.dumpDir, 'vzdump-lxc-101-2026_10_01-00_00_00.tar.zst');
    await writeFile(foreign, 'operator backup');
    await writeFile(`${foreign}.notes`, 'before the big migration');
    const own = await ownArchive(s.dumpDir, 101, '2026_11_02-02_15_00', RUN_B);
    await writeFile(join(s.stateDir, 'backups', 'ct-101.json'), JSON.stringify([record(foreign, RUN_A), record(own, RUN_B)]));

    const result = await pruneOwnBackups(recordingHost(), s.stateDir, 101, 1, { dryRun: false, timeoutMs: 1000, storageCfg: s.storageCfg });

    expect(await exists(foreign)).toBe(true);
    expect(result.deleted).toEqual([]);
    expect(result.refused?.[0]?.reason).toContain('notes');
  });
});
