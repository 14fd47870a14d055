/**
 * Network-namespace cluster nodes over real LXC: a node made by addNode (its own namespace,
 * veth, address and sshd), reached with real ssh and the sandbox's key and known_hosts (by node
 * name, HostKeyAlias), `pct exec` through it into a container placed on it and not into one
 * placed elsewhere, a node offline and back, and removeCluster (what `down` runs) leaving no
 * namespace, link or sshd behind. Its own /24 (10.77.1.0/24), so the cluster drills may run beside it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addNode,
  clientKey,
  clusterNet,
  knownHostsFile,
  nodeFiles,
  removeCluster,
  removeNode,
  startNode,
  stopNode,
} from '../../src/provision/cluster-nodes.js';
import { migrate, readCluster } from '../../src/pve/cluster.js';
import { createContainer } from '../../src/pve/create-container.js';
import { createTestSandbox, ensureTestRootfs, runBin, type TestSandbox } from './helpers.js';

const NET_ENV = { UNROT_SANDBOX_CLUSTER_NET: '10.77.1.0/24' };
const net = clusterNet(NET_ENV);
let sb: TestSandbox;

interface Res {
  code: number;
  stdout: string;
  stderr: string;
}

/** ssh as the engine runs it (contract: BatchMode, known_hosts by node name). */
function ssh(node: string, ip: string, remote: string): Promise<Res> {
  const argv = [
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    `UserKnownHostsFile=${knownHostsFile(sb.root)}`,
    '-o',
    `HostKeyAlias=${node}`,
    '-i',
    clientKey(sb.root),
    `root@${ip}`,
    '--',
    remote,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function ipLinks(): string {
  return readFileSync('/proc/net/dev', 'utf8');
}

beforeAll(async () => {
  const rootfs = ensureTestRootfs();
  sb = createTestSandbox({ btrfs: false });
  const base = {
    templateDir: rootfs,
    rawLxc: [['lxc.init.cmd', '/bin/sleep infinity']] as Array<[string, string]>,
    unprivileged: false,
    storage: 'local' as const,
  };
  await createContainer(sb.paths, { ...base, vmid: 110, hostname: 'here110' });
  await createContainer(sb.paths, { ...base, vmid: 111, hostname: 'there111' });
  for (const vmid of ['110', '111']) {
    const r = await runBin(sb, 'pct', ['start', vmid]);
    if (r.code !== 0) throw new Error(`pct start ${vmid}: ${r.stderr}`);
  }
  await addNode(sb.paths, 'pve2', { ...sb.env, ...NET_ENV });
  migrate(sb.paths, readCluster(sb.root)!, 111, 'pve2');
}, 600_000);

afterAll(async () => {
  if (sb) await removeCluster(sb.paths, NET_ENV);
  sb?.cleanup();
});

describe('a network-namespace node', () => {
  it('is in cluster.json with its address, its host key in known_hosts under its name', () => {
    expect(readCluster(sb.root)?.nodes).toEqual([
      { name: sb.paths.node, ip: '10.77.1.1', online: true },
      { name: 'pve2', ip: '10.77.1.2', online: true },
    ]);
    const hostKey = readFileSync(`${nodeFiles(sb.root, 'pve2').hostKey}.pub`, 'utf8')
      .split(' ')
      .slice(0, 2)
      .join(' ');
    expect(readFileSync(knownHostsFile(sb.root), 'utf8')).toBe(`pve2 ${hostKey}\n`);
    // pmxcfs's lock directory, where unrot takes its cluster-wide run lock
    expect(existsSync(join(sb.root, 'etc/pve/priv/lock'))).toBe(true);
  });

  it('answers ssh as that node: the session`s pct is the node`s, its shell parses the command as sent', async () => {
    const env = await ssh('pve2', '10.77.1.2', 'printenv UNROT_SANDBOX_NODE UNROT_SANDBOX_ROOT');
    expect(env).toMatchObject({ code: 0, stdout: `pve2\n${sb.root}\n` });
    const quoted = await ssh('pve2', '10.77.1.2', `printf '%s|' 'a b' '$HOME' "it's"`);
    expect(quoted.stdout).toBe("a b|$HOME|it's|");
  });

  it('pct exec through ssh reaches a container placed on the node, with the command`s own exit code', async () => {
    const r = await ssh('pve2', '10.77.1.2', 'pct exec 111 -- cat /proc/sys/kernel/hostname');
    expect(r).toMatchObject({ code: 0, stdout: 'there111\n' });
    expect((await ssh('pve2', '10.77.1.2', "pct exec 111 -- sh -c 'exit 7'")).code).toBe(7);
  });

  it('refuses a container placed on another node with pct`s words', async () => {
    const r = await ssh('pve2', '10.77.1.2', 'pct exec 110 -- true');
    expect(r.code).toBe(255);
    expect(r.stderr).toBe("Configuration file 'nodes/pve2/lxc/110.conf' does not exist\n");
    // and locally, the other way round
    const local = await runBin(sb, 'pct', ['exec', '111', '--', 'true']);
    expect(local.stderr).toBe(`Configuration file 'nodes/${sb.paths.node}/lxc/111.conf' does not exist\n`);
  });

  it('goes offline (sshd stopped, ssh refused with 255) and comes back', async () => {
    await stopNode(sb.paths, 'pve2');
    expect(readCluster(sb.root)?.nodes[1]?.online).toBe(false);
    const down = await ssh('pve2', '10.77.1.2', 'true');
    expect(down.code).toBe(255);
    expect(down.stderr).toContain('Connection refused');
    await startNode(sb.paths, 'pve2', { ...sb.env, ...NET_ENV });
    expect(readCluster(sb.root)?.nodes[1]?.online).toBe(true);
    expect((await ssh('pve2', '10.77.1.2', 'pct exec 111 -- true')).code).toBe(0);
  });

  it('is not removed while containers are on it', async () => {
    await expect(removeNode(sb.paths, 'pve2', NET_ENV)).rejects.toThrow("node 'pve2' still has containers 111; migrate them first");
  });

  it('leaves no namespace, link or sshd behind after removeCluster (down)', async () => {
    const pid = Number(readFileSync(nodeFiles(sb.root, 'pve2').pidFile, 'utf8'));
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(await removeCluster(sb.paths, NET_ENV)).toEqual(['pve2']);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(`/run/netns/${net.netnsPrefix}pve2`)).toBe(false);
    expect(existsSync(`/run/netns/${net.hostNetns}`)).toBe(false);
    expect(ipLinks()).not.toContain(net.bridge);
  });
});
