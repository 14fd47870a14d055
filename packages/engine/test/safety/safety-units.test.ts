import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListSnapshot } from '../../src/host/parse-listsnapshot.js';
import { backupError, parseVzdumpArchive } from '../../src/host/pct-backup.js';
import { isOwnSnapshot, ownSnapshots, snapshotDescriptionFor, snapshotNameFor } from '../../src/safety/own-snapshots.js';
import { acquireContainerLock, acquireRunLock } from '../../src/safety/run-lock.js';

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
  it('refuses a second holder while the first holds it, naming the holder; a leftover lock file blocks no one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unrot-lock-'));
    const path = join(dir, 'run.lock');
    const first = await acquireRunLock(path, '20261126T021500Z-aaaaaa');
    await expect(acquireRunLock(path, '20261126T021501Z-bbbbbb')).rejects.toMatchObject({
      code: 'E_RUN_LOCKED',
      message: expect.stringContaining(`run 20261126T021500Z-aaaaaa, pid ${process.pid}`),
    });
    await first.release();
    // A file left by a run that is gone (here: a child that exited) is only a file: the kernel
    // holds no lock for it, so the next run takes the lock without any takeover.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.on('close', r));
    await writeFile(path, JSON.stringify({ pid, startTime: '1', runId: 'dead', at: new Date().toISOString() }));
    const second = await acquireRunLock(path, '20261126T021502Z-cccccc');
    expect(JSON.parse(await readFile(path, 'utf8')).runId).toBe('20261126T021502Z-cccccc');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await second.release();
  });

  it('dies with its holder: a holder killed with SIGKILL leaves nothing that blocks the next run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unrot-lock-'));
    const path = join(dir, 'run.lock');
    // unrot's own lock code (the built engine) in a process that is then killed without a chance to clean up.
    const dist = new URL('../../dist/safety/run-lock.js', import.meta.url).href;
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { acquireRunLock } = await import(${JSON.stringify(dist)}); await acquireRunLock(${JSON.stringify(path)}, '20261126T021459Z-dddddd'); console.log('HELD'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout?.on('data', (d: Buffer) => d.toString().includes('HELD') && resolve()));
    await expect(acquireRunLock(path, '20261126T021500Z-aaaaaa')).rejects.toMatchObject({ code: 'E_RUN_LOCKED' });
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('close', r));
    await waitFor(async () =>
      acquireRunLock(path, '20261126T021501Z-bbbbbb').then(
        (l) => l.release().then(() => true),
        () => false,
      ),
    );
  });

  it('a container lock is counted within one process and exclusive across processes', async () => {
    const lockDir = await mkdtemp(join(tmpdir(), 'unrot-lock-'));
    const a = await acquireContainerLock(101, '20261126T021500Z-aaaaaa', { lockDir });
    const again = await acquireContainerLock(101, '20261126T021500Z-aaaaaa', { lockDir });
    await again.release();
    // Still held after one of two releases: another process is refused.
    const other = spawnSync('flock', ['--nonblock', '--conflict-exit-code', '75', join(lockDir, 'ct-101.lock'), 'true']);
    expect(other.status).toBe(75);
    await a.release();
    expect(spawnSync('flock', ['--nonblock', '--conflict-exit-code', '75', join(lockDir, 'ct-101.lock'), 'true']).status).toBe(0);
  });

  it('container locks are held by one keeper process, die with their holder (SIGKILL), and take a lock directory path literally', async () => {
    // Shell characters in the lock directory are only a path to the keeper (its requests are never parsed as shell).
    const lockDir = join(await mkdtemp(join(tmpdir(), 'unrot-lock-')), '$(touch pwned) `x` ;|&');
    const dist = new URL('../../dist/safety/run-lock.js', import.meta.url).href;
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { acquireContainerLock } = await import(${JSON.stringify(dist)});
         for (const vmid of [101, 102, 103]) await acquireContainerLock(vmid, '20261126T021459Z-dddddd', { lockDir: ${JSON.stringify(lockDir)} });
         console.log('HELD'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: lockDir.slice(0, lockDir.lastIndexOf('/')) },
    );
    await new Promise<void>((resolve) => holder.stdout?.on('data', (d: Buffer) => d.toString().includes('HELD') && resolve()));
    for (const vmid of [101, 102, 103]) {
      await expect(acquireContainerLock(vmid, '20261126T021500Z-aaaaaa', { lockDir })).rejects.toMatchObject({
        code: 'E_RUN_LOCKED',
        message: expect.stringContaining('run 20261126T021459Z-dddddd'),
      });
    }
    // Three locks, one keeper: the holder has a single child besides nothing else.
    const children = spawnSync('pgrep', ['-P', String(holder.pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);
    expect(children).toHaveLength(1);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('close', r));
    await waitFor(async () =>
      acquireContainerLock(101, '20261126T021501Z-bbbbbb', { lockDir }).then(
        (l) => l.release().then(() => true),
        () => false,
      ),
    );
    for (const vmid of [102, 103]) await (await acquireContainerLock(vmid, '20261126T021501Z-bbbbbb', { lockDir })).release();
    await expect(stat(join(lockDir, '..', 'pwned'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
