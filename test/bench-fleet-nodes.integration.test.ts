import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// An integration test, not with test/bench-fleet.test.ts in the unit project: it starts a real
// sshd (Debian's openssh-server), which needs root (its privilege separation directory, a root
// login with the bench's key). No timing assertions: figures from a shared machine mean nothing.
//
// `--nodes 3`: the simulated API host answers as a three-node cluster and the two other nodes'
// commands go through ssh into a real sshd on 127.0.0.1 (bench/fleet/sshd.mjs).
it('runs the fleet benchmark across three simulated nodes, the remote ones through real ssh', async () => {
  const bench = join(import.meta.dirname, '..', 'bench', 'fleet.mjs');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      bench,
      '--nodes',
      '3',
      '--containers',
      '12',
      '--concurrency',
      '4',
      '--check-ms',
      '5-10',
      '--apply-ms',
      '10-40',
      '--no-serial',
      '--json',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout);
  expect(result.allUpdated).toBe(true);
  expect(result.engine.summary).toMatchObject({ containers: 12, updated: 12, failed: 0 });
  expect(result.engine.exitCode).toBe(0);
  expect(result.options).toMatchObject({ host: 'api', nodes: 3, perNode: 2 });
  // The bound: the larger of the cluster-wide one and the largest node's.
  expect(result.work.perNodeBoundMs).toBeGreaterThan(0);
  expect(result.work.boundMs).toBe(Math.max(result.work.clusterBoundMs, result.work.perNodeBoundMs));
  const cluster = result.engine.cluster;
  expect(cluster.perNode).toBe(2);
  expect(cluster.nodes.map((n: { node: string }) => n.node)).toEqual(['pve', 'pve2', 'pve3']);
  for (const n of cluster.nodes) {
    // Round-robin: four containers per node, each reported with its node and updated there.
    expect(n).toMatchObject({ containers: 4, reported: 4, updated: 4 });
    expect(n.boundMs).toBeGreaterThan(0);
    expect(n.makespanMs).toBeGreaterThan(0);
    // per_node held: from the report's startedAt and durationMs, never more than 2 at once on a node.
    expect(n.mostAtOnce).toBeLessThanOrEqual(2);
    // Local commands run as pct exec here; each of another node's three goes through one ssh.
    expect(n.sshProcesses).toBe(n.local ? 0 : 12);
  }
  expect(cluster.sshPerRemoteContainer).toBe(3);
  // Three sim commands per container, on every node (the remote pct logs its own call).
  expect(result.engine.hostCallsPerContainer['pct exec']).toBe(3);
});
