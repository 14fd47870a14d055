import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownSandbox, type Proc, run, sandboxBin } from './sandbox-harness.js';

// Cluster drills (issue 20, docs/cluster.md, docs/sandbox.md "Cluster"): the sandbox as a
// three-node Proxmox cluster — this host (the local node, CT 101) and two network-namespace
// nodes with their own sshd, pve2 (CT 102, CT 103) and pve3 (CT 104). CTs 103 and 104 are
// restored from a vzdump of CT 102 (the smallest apps CT), so `up` builds only the default two.
// unrot runs through the sandbox's API (`host.cluster`), `pct exec` to pve2/pve3 over real ssh.
//   1. One run updates all four with `per_node: 1`: pve2's two never overlap (report times).
//   2. pve2's sshd dies after the listing: its waiting CT fails with E_NODE_UNREACHABLE, the others proceed.
//   3. A CT migrated between the listing and its update: found on its new node, or skipped with the reason.
//   4. Two runs at once (two nodes' timers) take the cluster lock in turn.

const ROOT = '/var/lib/unrot-sandbox-cluster';
const CONFIG = join(ROOT, 'cluster-config');
const STATE = join(ROOT, 'cluster-state');
const { env, sandbox, pct, unrot, upFresh } = ownSandbox({
  root: ROOT,
  config: CONFIG,
  vars: {
    UNROT_SANDBOX_APT_PORT: '9531',
    UNROT_SANDBOX_PYPI_PORT: '9532',
    UNROT_SANDBOX_API_PORT: '9536',
    UNROT_SANDBOX_WEB_PORT: '3951',
    UNROT_SANDBOX_PY_PORT: '3952',
    UNROT_SANDBOX_CLUSTER_NET: '10.77.0.0/24',
  },
});

const PLACEMENT: Record<number, string> = { 101: '', 102: 'pve2', 103: 'pve2', 104: 'pve3' };
let localNode = '';

interface CtReport {
  vmid: number;
  node?: string;
  outcome: string;
  startedAt?: string;
  durationMs: number;
  skipReason?: string;
  skipDetail?: string;
  error?: { step: string; code: string; message: string };
}
interface Report {
  exitCode: number;
  containers: CtReport[];
}

const reportOf = (p: Proc): Report => {
  try {
    return JSON.parse(p.stdout) as Report;
  } catch {
    throw new Error(`unrot exited ${p.code} without a JSON report:\n${p.stderr.slice(-4000)}\n${p.stdout.slice(0, 3000)}`);
  }
};
const ct = (r: Report, vmid: number) => r.containers.find((c) => c.vmid === vmid);
/** Each container's outcome and why, for a failing assertion's message. */
const why = (r: Report) =>
  JSON.stringify(r.containers.map((c) => ({ vmid: c.vmid, node: c.node, outcome: c.outcome, skip: c.skipDetail, error: c.error })));
const nodeOf = (vmid: number) => PLACEMENT[vmid] || localNode;

/** pct as the container's node runs it (the stand-in answers as UNROT_SANDBOX_NODE). */
function pctOn(node: string, ...args: string[]): Promise<Proc> {
  return run(join(sandboxBin, 'pct'), args, 600_000, { ...env, UNROT_SANDBOX_NODE: node });
}

async function must(p: Promise<Proc>, what: string): Promise<Proc> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

async function demoVersion(vmid: number): Promise<string> {
  return versionOn(nodeOf(vmid), vmid);
}

/** dpkg's version of the demo package in a CT, asked on the node it is on (`name<TAB>version`). */
async function versionOn(node: string, vmid: number): Promise<string> {
  const r = await must(pctOn(node, 'exec', String(vmid), '--', 'dpkg-query', '-W', 'unrot-sandbox-demo'), `version in ${vmid}`);
  return r.stdout.trim().split('\t')[1] ?? '';
}

/** Every CT back to the state the drills start from, on the node the placement says. */
async function reset(): Promise<void> {
  for (const [vmid, node] of Object.entries(PLACEMENT)) {
    const where = (await sandbox('cluster', 'status', '--json')).stdout;
    const now = (JSON.parse(where) as { nodes: Array<{ name: string; containers: number[] }> }).nodes.find((n) =>
      n.containers.includes(Number(vmid)),
    )?.name;
    if (now && now !== (node || localNode)) await must(sandbox('cluster', 'migrate', vmid, node || localNode), `migrate ${vmid} back`);
    await must(pctOn(node || localNode, 'rollback', vmid, 'drillbase', '--start', '1'), `rollback ${vmid}`);
  }
  for (const n of ['pve2', 'pve3']) await sandbox('cluster', 'start-node', n);
}

/** The snapshot names of a CT, asked on its node. */
async function snapshotsOf(vmid: number, node: string): Promise<string[]> {
  const r = await must(pctOn(node, 'listsnapshot', String(vmid)), `listsnapshot ${vmid}`);
  return [...r.stdout.matchAll(/^\W*(\S+)/gm)].map((m) => m[1]!).filter((n) => n !== 'current');
}

/**
 * Waits (bounded) for a snapshot of CT `vmid` that was not there before: unrot has listed the
 * cluster and is updating that CT, so with `per_node: 1` the node's next CT is still waiting.
 */
async function whileUpdating(vmid: number, node: string, before: string[]): Promise<void> {
  const end = Date.now() + 600_000;
  while (Date.now() < end) {
    if ((await snapshotsOf(vmid, node)).some((n) => !before.includes(n))) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`CT ${vmid} on ${node} got no new snapshot within 10 minutes`);
}

async function writeConfig(extra = ''): Promise<void> {
  await mkdir(join(CONFIG, 'containers'), { recursive: true });
  const apiHost = (await import('node:fs')).readFileSync(join(ROOT, 'api-host.yml'), 'utf8');
  await writeFile(
    join(CONFIG, 'global.yml'),
    [
      apiHost.trimEnd(),
      '  cluster:',
      '    ssh:',
      `      identity_file: ${ROOT}/root/.ssh/id_ed25519`,
      `      known_hosts: ${ROOT}/etc/pve/priv/known_hosts`,
      '      connect_timeout_s: 5',
      `    lock_dir: ${ROOT}/etc/pve/priv/lock`,
      '    lock_wait: 20m',
      'max_concurrency: 3',
      'concurrency:',
      '  per_node: 1',
      `state_dir: ${STATE}`,
      'defaults:',
      '  retries: 0',
      '  runners:',
      '    os: apt',
      'targets:',
      '  allow: [101, 102, 103, 104]',
      // The drills measure order, not speed: a loaded CI machine must not hold every start back.
      'preflight:',
      '  max_load: 1000',
      extra,
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  await upFresh();
  // CT 103 and 104: vzdump of CT 102 restored twice (seconds on btrfs; no second debootstrap).
  const vz = await must(run(join(sandboxBin, 'vzdump'), ['102', '--storage', 'local', '--mode', 'snapshot'], 600_000, env), 'vzdump 102');
  const archive = /creating vzdump archive '([^']+)'/.exec(vz.stdout)?.[1];
  if (!archive) throw new Error(`no archive in vzdump's output:\n${vz.stdout}`);
  for (const vmid of ['103', '104']) {
    await must(pct('restore', vmid, archive, '--storage', 'local-btrfs'), `restore ${vmid}`);
    await must(pct('set', vmid, '--hostname', `py${vmid}`), `set ${vmid}`);
    await must(pct('start', vmid), `start ${vmid}`);
  }
  await must(sandbox('cluster', 'add-node', 'pve2'), 'add-node pve2');
  await must(sandbox('cluster', 'add-node', 'pve3'), 'add-node pve3');
  // The local node (this host's name) is the first of the cluster once it has more than one.
  localNode = JSON.parse((await must(sandbox('cluster', 'status', '--json'), 'status')).stdout ?? 'null')?.nodes?.[0]?.name ?? '';
  if (!localNode) throw new Error('the sandbox cluster names no local node');
  for (const [vmid, node] of Object.entries(PLACEMENT)) {
    if (node) await must(sandbox('cluster', 'migrate', vmid, node), `migrate ${vmid}`);
    await must(pctOn(node || localNode, 'snapshot', vmid, 'drillbase'), `snapshot ${vmid}`);
  }
  await writeConfig();
}, 1_200_000);

afterAll(async () => {
  await sandbox('down');
});

describe('cluster drills', () => {
  it('one run updates the containers of three nodes, at most one at a time per node, each with its node in the report', async () => {
    const p = await unrot('run', '--json');
    const r = reportOf(p);
    expect(p.code, p.stderr.slice(-3000)).toBe(0);
    for (const vmid of [101, 102, 103, 104]) {
      expect(ct(r, vmid)).toMatchObject({ outcome: 'updated', node: nodeOf(vmid) });
      expect(await demoVersion(vmid)).toBe('1.1');
    }
    // per_node 1: pve2's two containers ran one after the other.
    const span = (c: CtReport | undefined) => {
      const start = Date.parse(c?.startedAt ?? '');
      return [start, start + (c?.durationMs ?? 0)] as const;
    };
    const [a, b] = [span(ct(r, 102)), span(ct(r, 103))].sort((x, y) => x[0] - y[0]);
    expect(Number.isFinite(a![0]) && Number.isFinite(b![0])).toBe(true);
    expect(a![1]).toBeLessThanOrEqual(b![0]);
  });

  it("a node whose sshd dies after the listing: its waiting container fails with E_NODE_UNREACHABLE, the other nodes' are updated", async () => {
    await reset();
    // pve2's sshd stops while CT 102 is being updated (its snapshot taken); CT 103 waits for pve2's slot behind it.
    const before = await snapshotsOf(102, 'pve2');
    const running = unrot('run', '--json');
    await whileUpdating(102, 'pve2', before);
    await must(sandbox('cluster', 'stop-sshd', 'pve2'), 'stop-sshd pve2');
    const p = await running;
    const r = reportOf(p);
    expect(p.code).not.toBe(0);
    expect(ct(r, 101)?.outcome).toBe('updated');
    expect(ct(r, 104)?.outcome).toBe('updated');
    expect(ct(r, 103)?.outcome, why(r)).not.toBe('updated');
    expect(ct(r, 103)?.error?.code ?? ct(r, 103)?.skipDetail, why(r)).toMatch(/E_NODE_UNREACHABLE/);
    expect(await demoVersion(101)).toBe('1.1');
  });

  it('a container migrated between the listing and its update is found on its new node, or skipped with the reason', async () => {
    await reset();
    // CT 103 (pve2, queued behind CT 102 by per_node) moves to pve3 while CT 102 is being updated.
    const before = await snapshotsOf(102, 'pve2');
    const running = unrot('run', '--json');
    await whileUpdating(102, 'pve2', before);
    await must(sandbox('cluster', 'migrate', '103', 'pve3'), 'migrate 103 to pve3');
    const p = await running;
    const r = reportOf(p);
    const c = ct(r, 103);
    if (c?.outcome === 'updated') {
      expect(c.node, why(r)).toBe('pve3');
      expect(await versionOn('pve3', 103)).toBe('1.1');
    } else {
      expect(c?.outcome).toBe('skipped');
      expect(`${c?.skipReason} ${c?.skipDetail}`).toMatch(/migrat|pve3|does not exist/);
    }
    for (const vmid of [101, 102, 104]) expect(ct(r, vmid)?.outcome).toBe('updated');
    await must(sandbox('cluster', 'migrate', '103', 'pve2'), 'migrate 103 back');
  });

  it('two runs started at once (two nodes` timers) take the cluster lock in turn', async () => {
    await reset();
    // Two "nodes": each run has its own host lock directory; only the cluster lock (lock_dir) is shared.
    const second = { ...env, UNROT_LOCK_DIR: join(ROOT, 'run', 'unrot-locks-pve2') };
    const [p1, p2] = await Promise.all([
      unrot('run', '--json'),
      run(process.execPath, [join(sandboxBin, '../../cli/bin/run.js'), 'run', '--json', '--config', CONFIG], 900_000, second),
    ]);
    const [r1, r2] = [reportOf(p1), reportOf(p2)];
    expect([p1.code, p2.code], `${why(r1)}\n${why(r2)}`).toEqual([0, 0]);
    // One run updated all four; the other waited for the lock and then found nothing to do.
    const outcomes = [r1, r2].map((r) => r.containers.map((c) => c.outcome).sort());
    expect(outcomes).toContainEqual(['updated', 'updated', 'updated', 'updated']);
    expect(outcomes).toContainEqual(['nothing-to-do', 'nothing-to-do', 'nothing-to-do', 'nothing-to-do']);
  });
});
