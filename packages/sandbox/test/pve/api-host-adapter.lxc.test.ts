/**
 * unrot's engine ApiHost (undici, token, TLS against the sandbox CA; exec through `pct exec`)
 * driving the sandbox's API front over real LXC, next to PctHost on the same containers: both
 * adapters must see the same host. Needs real containers (lxc project; the lead runs it).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHostFrom } from '../../../engine/src/host/api/api-host-spec.js';
import { PctHost } from '../../../engine/src/host/index.js';
import { loadConfig } from '../../src/pve/config-store.js';
import { createContainer } from '../../src/pve/create-container.js';
import { type ApiFixture, startApiFixture } from './api-helpers.js';
import { createTestSandbox, ensureTestRootfs, runBin, TEST_NODE, type TestSandbox } from './helpers.js';

let sb: TestSandbox;
let api: ApiFixture;
let pct: PctHost;
let host: ReturnType<typeof apiHostFrom>;

beforeAll(async () => {
  const rootfs = ensureTestRootfs();
  sb = createTestSandbox({ imageSize: '2G' });
  const base = { templateDir: rootfs, rawLxc: [['lxc.init.cmd', '/bin/sleep infinity']] as Array<[string, string]> };
  await createContainer(sb.paths, { ...base, vmid: 100, hostname: 'web01', unprivileged: true, storage: 'local-btrfs', tags: ['prod'] });
  await createContainer(sb.paths, { ...base, vmid: 101, hostname: 'db01', unprivileged: false, storage: 'local' });
  expect((await runBin(sb, 'pct', ['start', '100'])).code).toBe(0);
  expect((await runBin(sb, 'pct', ['set', '101', '--lock', 'backup'])).code).toBe(0);
  api = await startApiFixture(sb);
  const env = { UNROT_SANDBOX_ROOT: sb.root, UNROT_SANDBOX_NODE: TEST_NODE };
  pct = new PctHost({ node: TEST_NODE, path: sb.env['PATH']!, env });
  const auth = api.token('unrot@pve!unrot').replace(/^PVEAPIToken=/, '');
  const eq = auth.lastIndexOf('=');
  host = apiHostFrom({
    kind: 'api',
    node: TEST_NODE,
    url: `https://127.0.0.1:${api.server.port}`,
    token: { id: auth.slice(0, eq), secret: auth.slice(eq + 1) },
    tls: { verify: true, ca: readFileSync(api.certs.caPath, 'utf8') },
    exec: 'pct',
    sudo: false,
    path: sb.env['PATH']!,
    env,
  });
});
afterAll(async () => {
  await api?.close();
  sb?.cleanup();
});

describe('ApiHost against the sandbox API, beside PctHost', () => {
  it('sees the same containers, configs, statuses and storages as PctHost', async () => {
    expect(await host.listContainers()).toEqual(await pct.listContainers());
    for (const vmid of [100, 101]) {
      expect(await host.readConfig(vmid)).toEqual(await pct.readConfig(vmid));
      expect(await host.status(vmid)).toBe(await pct.status(vmid));
    }
    expect((await host.storageStatus()).map((s) => [s.name, s.type, s.status])).toEqual(
      (await pct.storageStatus()).map((s) => [s.name, s.type, s.status]),
    );
  });

  it('takes, lists, rolls back (CT stopped, as Proxmox hard-stops) and deletes a snapshot', async () => {
    expect((await runBin(sb, 'pct', ['exec', '100', '--', 'sh', '-c', 'echo 1 > /root/v'])).code).toBe(0);
    await host.snapshot(100, 'unrot-a', 'before update', 60_000);
    expect(loadConfig(sb.paths, 100).keys['lock']).toBeUndefined();
    expect(await host.listSnapshots(100)).toEqual(await pct.listSnapshots(100));
    expect((await runBin(sb, 'pct', ['exec', '100', '--', 'sh', '-c', 'echo 2 > /root/v'])).code).toBe(0);
    await host.rollback(100, 'unrot-a', false, 60_000);
    expect(await host.status(100)).toBe('stopped');
    await host.setRunning(100, true, 60_000);
    expect((await host.exec(100, ['cat', '/root/v'], { timeoutMs: 20_000 })).stdout).toBe('1\n');
    await host.deleteSnapshot(100, 'unrot-a', 60_000);
    expect((await host.listSnapshots(100)).map((s) => s.name)).toEqual(['current']);
  });

  it('maps task errors to the same codes as PctHost (locked CT, no snapshot feature)', async () => {
    const viaApi = await host.snapshot(101, 'unrot-b', 'x', 60_000).catch((e: { code?: string }) => e.code);
    const viaPct = await pct.snapshot(101, 'unrot-b', 'x', 60_000).catch((e: { code?: string }) => e.code);
    expect(viaApi).toBe(viaPct);
    expect(viaApi).toBe('E_CT_LOCKED');
    await expect(host.exec(101, ['true'], { timeoutMs: 20_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
  });
});
