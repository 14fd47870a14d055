import { MessageChannel } from 'node:worker_threads';
import { isUnrotError, UnrotError } from '@unrot/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Host } from '../../src/host/host.js';
import { MemoryHost } from '../../src/host/memory-host.js';
import { PortHost, serveHost } from '../../src/host/port-host.js';

// The worker side (PortHost) and the main-thread side (serveHost) of a `main-thread` host spec,
// over a real MessageChannel: what crosses is only what structured clone carries.
const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** Until the main thread's host has received the call (messages cross on the event loop). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

function connect(host: Host): { remote: PortHost; close: () => void } {
  const channel = new MessageChannel();
  channels.push(channel);
  const server = serveHost(host, channel.port1);
  channel.port1.on('message', (m: unknown) => server.handle(m));
  return { remote: new PortHost(channel.port2), close: () => server.close() };
}

describe('PortHost over serveHost', () => {
  it('runs each call on the main thread’s host and returns its value', async () => {
    const mem = new MemoryHost({ containers: [{ vmid: 101, files: { '/etc/app': 'v1\n' } }] });
    const { remote } = connect(mem);
    expect((await remote.listContainers()).map((c) => c.vmid)).toEqual([101]);
    expect(await remote.status(101)).toBe('running');
    const read = await remote.exec(101, ['cat', '/etc/app'], { timeoutMs: 1000 });
    expect(read).toMatchObject({ exitCode: 0, stdout: 'v1\n' });
    await remote.exec(101, ['tee', '/etc/app'], { timeoutMs: 1000, input: 'v2\n' });
    expect(mem.files(101)['/etc/app']).toBe('v2\n');
    await remote.snapshot(101, 'unrot-1', 'before', 1000);
    expect((await remote.listSnapshots(101)).map((s) => s.name)).toEqual(['unrot-1', 'current']);
    expect(remote.execArgv(101, ['cat', '/x'])).toEqual(['pct', 'exec', '101', '--', 'cat', '/x']);
    expect(mem.ops().map((c) => c.op)).toEqual(['listContainers', 'status', 'exec', 'exec', 'snapshot', 'listSnapshots']);
  });

  it('carries errors across with their code and details', async () => {
    const mem = new MemoryHost({ containers: [{ vmid: 101, status: 'stopped' }] });
    mem.fail('vzdump', new UnrotError('E_BACKUP_FAILED', 'no space left', { vmid: 101, stderr: 'ENOSPC' }));
    const { remote } = connect(mem);
    const notRunning = await remote.exec(101, ['true'], { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(isUnrotError(notRunning) && notRunning.code).toBe('E_CT_NOT_RUNNING');
    const missing = await remote.readConfig(999).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UnrotError);
    expect(missing).toMatchObject({ code: 'E_CT_NOT_FOUND', message: 'container 999 does not exist' });
    const backup = await remote.vzdump(101, { storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'n' }, 1000).catch((e) => e);
    expect(backup).toMatchObject({ code: 'E_BACKUP_FAILED', message: 'no space left', details: { vmid: 101, stderr: 'ENOSPC' } });
  });

  it('aborts the call on the main thread when the worker’s signal aborts', async () => {
    let seen: AbortSignal | undefined;
    // A host whose exec waits until it is aborted, as `pct exec` of a hanging command does.
    const hanging = {
      exec: (_vmid: number, _argv: readonly string[], options: { signal?: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          seen = options.signal;
          options.signal?.addEventListener('abort', () => reject(new UnrotError('E_EXEC_ABORTED', 'sleep was aborted')));
        }),
    } as unknown as Host;
    const { remote } = connect(hanging);
    const controller = new AbortController();
    const pending = remote.exec(101, ['sleep', '30'], { timeoutMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    await until(() => seen !== undefined);
    expect(seen?.aborted).toBe(false);
    controller.abort();
    expect(await pending).toMatchObject({ code: 'E_EXEC_ABORTED', message: 'sleep was aborted' });
    expect(seen?.aborted).toBe(true);
  });

  it('ends the calls still running when the task ends', async () => {
    let seen: AbortSignal | undefined;
    const hanging = {
      status: (_vmid: number, signal?: AbortSignal) =>
        new Promise(() => {
          seen = signal;
        }),
    } as unknown as Host;
    const { remote, close } = connect(hanging);
    const pending = remote.status(101).catch((e: unknown) => e);
    await until(() => seen !== undefined);
    close();
    expect(seen?.aborted).toBe(true);
    // The worker side learns it when the port closes (the pool closes it as the task ends).
    channels[0]?.port2.close();
    expect(await pending).toMatchObject({ code: 'E_EXEC_ABORTED' });
  });
});
