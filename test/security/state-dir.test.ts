import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneBackups } from '../../packages/engine/src/safety/operator.js';
import { recoverInterrupted } from '../../packages/engine/src/safety/recover-interrupted.js';
import { pruneOwnBackups } from '../../packages/engine/src/safety/retention.js';
import { ensureStateDir } from '../../packages/engine/src/safety/trusted-dir.js';
import { keptLog, ownSnapshotEntry, recordingHost, sandbox } from './state-fixtures.js';

const isRoot = process.geteuid?.() === 0;

/** A config directory unrot accepts, with state_dir pointing at `stateDir`. */
async function configWithStateDir(root: string, stateDir: string): Promise<string> {
  const configDir = join(root, 'config');
  await mkdir(configDir, { mode: 0o700 });
  await writeFile(join(configDir, 'global.yml'), `state_dir: ${stateDir}\n`, { mode: 0o600 });
  return configDir;
}

async function privateRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'unrot-sec-dir-'));
}

describe('state_dir must be writable by no one but the user unrot runs as', () => {
  // Attack (issue 12): any absolute state_dir was accepted, e.g. one under a world-writable
  // directory, where another user can swap in journal/backups files that root then acts on.
  it('a state_dir inside a world-writable (0777) directory is refused with exit-2 E_CONFIG and the fix', async () => {
    const root = await privateRoot();
    const open = join(root, 'shared');
    await mkdir(open);
    await chmod(open, 0o777);
    const stateDir = join(open, 'unrot');
    const host = recordingHost();

    const run = pruneBackups({ configDir: await configWithStateDir(root, stateDir), host, dryRun: false, vmids: [101] });

    await expect(run).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining(open) });
    await expect(run).rejects.toMatchObject({ message: expect.stringContaining('mode 0777') });
    await expect(run).rejects.toMatchObject({ message: expect.stringMatching(/chown \S+ \S+ && chmod 0700 \S+/) });
    expect(host.calls).toEqual([]);
  });

  // The same through the command line: exit 2 (configuration error) and the fix on stderr.
  it('unrot snapshots prune with such a state_dir exits 2 and prints the fix', async () => {
    const root = await privateRoot();
    const open = join(root, 'shared');
    await mkdir(open);
    await chmod(open, 0o777);
    const configDir = await configWithStateDir(root, join(open, 'unrot'));
    // The cli runs the built engine (packages/engine/dist).
    const bin = join(import.meta.dirname, '../../packages/cli/bin/run.js');
    const r = spawnSync(process.execPath, [bin, 'snapshots', 'prune', '--ct', '101', '--config', configDir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${open} is group- or world-writable`);
    expect(r.stderr).toMatch(/Fix: chown \S+ \S+ && chmod 0700 /);
  });

  // Attack: state_dir itself left group/world-writable.
  it('a world-writable state_dir is refused, naming it, its owner and mode, and the fix', async () => {
    const root = await privateRoot();
    const stateDir = join(root, 'state');
    await mkdir(stateDir);
    await chmod(stateDir, 0o777);

    await expect(ensureStateDir(stateDir)).rejects.toMatchObject({
      code: 'E_CONFIG',
      // The fix names the user unrot runs as: root:root on a Proxmox host, the uid elsewhere.
      message: expect.stringMatching(
        new RegExp(
          `${stateDir} .*mode 0777.*Fix: chown ${process.geteuid?.() === 0 ? 'root:root' : process.geteuid?.()} ${stateDir} && chmod 0700 ${stateDir}`,
        ),
      ),
    });
  });

  // Attack: even where a caller skipped ensureStateDir, recovery (stop + restore) and retention
  // (delete) refuse to act on records in a state_dir others can write.
  it('recovery and retention refuse a world-writable state_dir before acting on anything in it', async () => {
    const s = await sandbox();
    await chmod(s.stateDir, 0o777);
    await writeFile(
      join(s.stateDir, 'journal', 'ct-101.json'),
      JSON.stringify({
        runId: '20261126T021500Z-3fa9c2',
        vmid: 101,
        step: 'apply',
        backup: { kind: 'snapshot', name: 'unrot-20261126-021500-3fa9c2' },
        wasRunning: true,
        pid: 1,
        at: '2026-11-26T02:15:05.000Z',
      }),
    );
    const host = recordingHost({ 101: [ownSnapshotEntry('20261126T021500Z-3fa9c2')] });
    const policy = () => ({ onInterrupt: 'rollback' as const, rollbackTimeoutMs: 1000 });
    await expect(recoverInterrupted(s.stateDir, host, policy, keptLog())).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(pruneOwnBackups(host, s.stateDir, 101, 0, { dryRun: false, timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_CONFIG' });
    expect(host.calls).toEqual([]);
  });

  // Attack: a state_dir owned by another user (who can plant files in it at will). As root, the
  // test makes one with chown; as another user, a root-owned directory is foreign to it.
  it('a state_dir owned by another user is refused', async () => {
    let stateDir: string;
    if (isRoot) {
      stateDir = join(await privateRoot(), 'state');
      await mkdir(stateDir, { mode: 0o700 });
      await chown(stateDir, 65534, 65534);
    } else {
      stateDir = '/usr/share';
    }
    await expect(ensureStateDir(stateDir)).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('owned by uid') });
  });
});

describe('state is private: directories 0700, files 0600', () => {
  // Exposure (issue 12): state_dir, runs/ and each run dir were 0755 and files 0640/0644, while
  // hook argv (which may hold credentials) and archive paths are written there.
  it('a new state_dir and its sub-directories are created 0700; an existing 0755 one is narrowed', async () => {
    const root = await privateRoot();
    const fresh = join(root, 'fresh');
    await ensureStateDir(fresh);
    for (const d of ['', 'runs', 'journal', 'backups', 'quarantine']) expect((await stat(join(fresh, d))).mode & 0o777).toBe(0o700);

    const old = join(root, 'old');
    await mkdir(join(old, 'runs'), { recursive: true });
    await chmod(old, 0o755);
    await chmod(join(old, 'runs'), 0o755);
    const { narrowed } = await ensureStateDir(old);
    expect(narrowed).toEqual([old, join(old, 'runs')]);
    expect((await stat(old)).mode & 0o777).toBe(0o700);
    expect((await stat(join(old, 'runs'))).mode & 0o777).toBe(0o700);
  });
});
