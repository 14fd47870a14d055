import { UnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/host/memory-host.js';
import { restoreBackup } from '../../src/safety/restore-backup.js';

// The in-memory host is what the fast safety-net tests trust: its snapshots, archives and
// failures must behave like the pct adapter's contract (host/host.ts) says.

const host = () =>
  new MemoryHost({
    containers: [
      { vmid: 101, files: { '/etc/v': '1\n' } },
      { vmid: 102, status: 'stopped' },
    ],
  });

describe('MemoryHost', () => {
  it('lists containers and answers status and config like pct, with E_CT_NOT_FOUND for an unknown VMID', async () => {
    const h = host();
    expect((await h.listContainers()).map((c) => [c.vmid, c.status])).toEqual([
      [101, 'running'],
      [102, 'stopped'],
    ]);
    expect((await h.readConfig(101))['rootfs']).toMatch(/^local-lvm:/);
    await expect(h.status(999)).rejects.toMatchObject({ code: 'E_CT_NOT_FOUND' });
    await expect(h.exec(102, ['true'], { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
  });

  it('runs the built-in file commands and a scripted handler first', async () => {
    const h = host();
    h.onExec(({ argv }) => (argv[0] === 'apt-get' ? { exitCode: 100, stderr: 'E: broken\n' } : undefined));
    expect(await h.exec(101, ['cat', '/etc/v'], { timeoutMs: 1000 })).toMatchObject({ exitCode: 0, stdout: '1\n' });
    expect((await h.exec(101, ['apt-get', 'upgrade'], { timeoutMs: 1000 })).exitCode).toBe(100);
    expect((await h.exec(101, ['nope'], { timeoutMs: 1000 })).exitCode).toBe(127);
    await h.exec(101, ['tee', '/etc/w'], { timeoutMs: 1000, input: 'x' });
    expect(h.files(101)).toEqual({ '/etc/v': '1\n', '/etc/w': 'x' });
  });

  it('a snapshot rollback and a vzdump restore put the files and config back', async () => {
    const h = host();
    await h.snapshot(101, 'unrot-20261202-143000-abc123', 'unrot run 20261202T143000Z-abc123: before updating os', 1000);
    const archive = await h.vzdump(101, { storage: 'local', mode: 'snapshot', compress: 'gzip', notes: 'n' }, 1000);
    expect(archive).toMatch(/\.tar\.gz$/);
    h.container(101).files.set('/etc/v', '2\n');
    await restoreBackup(h, 101, { kind: 'snapshot', name: 'unrot-20261202-143000-abc123' }, true, 1000);
    expect(h.files(101)['/etc/v']).toBe('1\n');
    h.container(101).files.set('/etc/v', '3\n');
    await restoreBackup(h, 101, { kind: 'vzdump', archive }, true, 1000);
    expect(h.files(101)['/etc/v']).toBe('1\n');
    expect(h.container(101).status).toBe('running');
    const tree = await h.listSnapshots(101);
    expect(tree.map((e) => [e.name, e.parent, e.current])).toEqual([
      ['unrot-20261202-143000-abc123', null, false],
      ['current', 'unrot-20261202-143000-abc123', true],
    ]);
  });

  it('refuses snapshots without the feature, on a locked CT, and a duplicate name', async () => {
    const h = new MemoryHost({ containers: [{ vmid: 101, snapshotFeature: false }, { vmid: 102, lock: 'backup' }, { vmid: 103 }] });
    await expect(h.snapshot(101, 's', 'd', 1000)).rejects.toMatchObject({ code: 'E_SNAPSHOT_UNSUPPORTED' });
    await expect(h.snapshot(102, 's', 'd', 1000)).rejects.toMatchObject({ code: 'E_CT_LOCKED' });
    expect((await h.readConfig(102))['lock']).toBe('backup');
    await h.snapshot(103, 's', 'd', 1000);
    await expect(h.snapshot(103, 's', 'd', 1000)).rejects.toMatchObject({ code: 'E_BACKUP_FAILED' });
  });

  it('injects failures per operation, for matching calls, a number of times, and logs every call', async () => {
    const h = host();
    h.fail('exec', { error: 'E_EXEC_TIMEOUT', when: (call) => call.argv?.[0] === 'sleep', times: 1 });
    h.fail('status', new UnrotError('E_CT_NOT_FOUND', 'gone'));
    await expect(h.exec(101, ['sleep', '1'], { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_EXEC_TIMEOUT' });
    expect((await h.exec(101, ['sleep', '1'], { timeoutMs: 1000 })).exitCode).toBe(127);
    expect((await h.exec(101, ['true'], { timeoutMs: 1000 })).exitCode).toBe(0);
    await expect(h.status(101)).rejects.toThrow('gone');
    expect(h.ops().map((c) => c.op)).toEqual(['exec', 'exec', 'exec', 'status']);
    expect(h.execArgv(101, ['true'])).toEqual(['pct', 'exec', '101', '--', 'true']);
  });
});
