/**
 * unrot's own host adapter (engine PctHost, which runs plain `pct`/`pvesh`/`pvesm` from PATH)
 * driving the stand-in over real LXC: what the engine parses from the sandbox is what it would
 * parse from a Proxmox node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PctHost } from '../../../engine/src/host/index.js';
import { createContainer } from '../../src/pve/create-container.js';
import { createTestSandbox, ensureTestRootfs, runBin, TEST_NODE, type TestSandbox } from './helpers.js';

let sb: TestSandbox;
let host: PctHost;

beforeAll(async () => {
  const rootfs = ensureTestRootfs();
  sb = createTestSandbox({ imageSize: '2G' });
  const base = { templateDir: rootfs, rawLxc: [['lxc.init.cmd', '/bin/sleep infinity']] as Array<[string, string]> };
  await createContainer(sb.paths, {
    ...base,
    vmid: 100,
    hostname: 'web01',
    unprivileged: true,
    storage: 'local-btrfs',
    tags: ['prod'],
    description: 'web: front',
  });
  await createContainer(sb.paths, { ...base, vmid: 101, hostname: 'db01', unprivileged: false, storage: 'local' });
  expect((await runBin(sb, 'pct', ['start', '100'])).code).toBe(0);
  expect((await runBin(sb, 'pct', ['snapshot', '100', 'pre', '--description', 'before unrot'])).code).toBe(0);
  expect((await runBin(sb, 'pct', ['set', '101', '--lock', 'backup'])).code).toBe(0);
  host = new PctHost({ node: TEST_NODE, path: sb.env['PATH']!, env: { UNROT_SANDBOX_ROOT: sb.root, UNROT_SANDBOX_NODE: TEST_NODE } });
});
afterAll(() => sb?.cleanup());

describe('PctHost against the stand-in', () => {
  it('lists containers with status, tags, privilege and lock', async () => {
    expect(await host.listContainers()).toEqual([
      expect.objectContaining({ vmid: 100, name: 'web01', status: 'running', tags: ['prod'], unprivileged: true, template: false }),
      expect.objectContaining({ vmid: 101, name: 'db01', status: 'stopped', unprivileged: false, lock: 'backup' }),
    ]);
  });

  it('reads the config, status and snapshots', async () => {
    const conf = await host.readConfig(100);
    expect(conf['description']).toBe('web: front\n');
    expect(conf['parent']).toBe('pre');
    expect(conf['lxc.init.cmd']).toBe('/bin/sleep infinity');
    expect(await host.status(100)).toBe('running');
    expect(await host.status(101)).toBe('stopped');
    const snaps = await host.listSnapshots(100);
    expect(snaps.map((s) => [s.name, s.parent, s.description])).toEqual([
      ['pre', null, 'before unrot'],
      ['current', 'pre', 'You are here!'],
    ]);
  });

  it('execs with exit codes and maps pct errors to unrot error codes', async () => {
    const r = await host.exec(100, ['sh', '-c', 'echo hi; exit 3'], { timeoutMs: 20_000 });
    expect([r.exitCode, r.stdout]).toEqual([3, 'hi\n']);
    await expect(host.exec(101, ['true'], { timeoutMs: 20_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
    await expect(host.status(105)).rejects.toMatchObject({ code: 'E_CT_NOT_FOUND' });
  });

  it('a timeout kills the command inside the CT too (pct stays in the caller process group)', async () => {
    await expect(host.exec(100, ['sleep', '31'], { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'E_EXEC_TIMEOUT' });
    const listProcs = async () =>
      (await runBin(sb, 'pct', ['exec', '100', '--', 'sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "'])).stdout;
    expect(await listProcs()).not.toContain('sleep 31');
    // Control: the same listing does see a command that is still running.
    const running = runBin(sb, 'pct', ['exec', '100', '--', 'sleep', '2']);
    await new Promise((r) => setTimeout(r, 800));
    expect(await listProcs()).toContain('sleep 2');
    await running;
  });

  it('reads storage status', async () => {
    const storages = await host.storageStatus();
    expect(storages.map((s) => [s.name, s.type, s.status])).toEqual([
      ['local', 'dir', 'active'],
      ['local-btrfs', 'btrfs', 'active'],
    ]);
  });
});
