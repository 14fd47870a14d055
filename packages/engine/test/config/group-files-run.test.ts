import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { RunReportSchema, runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/host/memory-host.js';
import { prepare } from '../../src/run/prepare.js';
import { resolveFleet } from '../../src/run/resolve-fleet.js';
import { pruneBackups } from '../../src/safety/operator.js';
import { snapshotDescriptionFor, snapshotNameFor } from '../../src/safety/own-snapshots.js';
import { type MemoryCases, memCt } from '../lifecycle/fake-host-harness.js';

// Group files through the real engine (config, fleet listing, workers, report) over the in-memory
// host: a group selecting by tag enables the file-copy runner (the "package" demo, its version the
// text of a file) on its containers; a CTID file overrides it; a group matching nobody is reported.
let cases: MemoryCases;

beforeAll(async () => {
  const { memoryCases } = await import('../lifecycle/fake-host-harness.js');
  cases = await memoryCases();
});

const GLOBAL = 'max_concurrency: 4\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';

async function fleet() {
  // 102 has its own file: the group's keys apply, its own `enabled: false` wins.
  const dir = await cases.setup(GLOBAL, { 102: 'enabled: false\n' });
  const copy = `runners:\n  file-copy:\n    source: ${dir}/src\n    target: ${dir}/dst\n`;
  await writeFile(join(dir, 'config/containers/web.yml'), `selectors:\n  tags: [web]\n${copy}`);
  await writeFile(join(dir, 'config/containers/retired.yml'), 'selectors:\n  names: ["old-*"]\nenabled: false\n');
  const files = { [join(dir, 'src')]: '1.1\n', [join(dir, 'dst')]: '1.0\n' };
  const host = new MemoryHost({
    containers: [
      { ...memCt(101, 'running', { ...files }), tags: ['web'] },
      { ...memCt(102, 'running', { ...files }), tags: ['web'] },
      { ...memCt(103, 'running', { ...files }), tags: ['db'] },
    ],
  });
  return { dir, host };
}

describe('group files in a run', () => {
  it('applies a group to the containers it selects, lets a CTID file override it, and reports which files applied', async () => {
    const { dir, host } = await fleet();
    const out = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });
    expect([...Value.Errors(RunReportSchema, out.report)]).toEqual([]);
    const byVmid = (vmid: number) => out.report.containers.find((c) => c.vmid === vmid);
    expect(byVmid(101)).toMatchObject({ outcome: 'updated' });
    expect(byVmid(101)?.runners.map((r) => r.id)).toEqual(['file-copy']);
    expect(host.files(101)[join(dir, 'dst')]).toBe('1.1\n');
    expect(byVmid(102)).toMatchObject({ outcome: 'skipped', skipReason: 'disabled' });
    expect(host.files(102)[join(dir, 'dst')]).toBe('1.0\n');
    // not in the group: no runner at all (os: none), untouched
    expect(byVmid(103)).toMatchObject({ outcome: 'skipped', skipReason: 'no-runners', runners: [] });
    expect(host.files(103)[join(dir, 'dst')]).toBe('1.0\n');
    expect(out.report.groups).toEqual([
      { file: join(dir, 'config/containers/retired.yml'), vmids: [] },
      { file: join(dir, 'config/containers/web.yml'), vmids: [101, 102] },
    ]);
  });

  it('names the applied group files per container in the target decisions, and the ones matching nothing', async () => {
    const { dir, host } = await fleet();
    const prepared = await prepare(join(dir, 'config'), [cases.pluginRoot]);
    const { decisions, unmatchedGroups } = await resolveFleet(prepared, {}, host);
    const web = join(dir, 'config/containers/web.yml');
    expect(decisions).toEqual([
      { vmid: 101, name: 'ct101', selected: true, groupFiles: [web] },
      { vmid: 102, name: 'ct102', selected: false, reason: 'disabled', detail: 'enabled: false in its policy', groupFiles: [web] },
      { vmid: 103, name: 'ct103', selected: true },
    ]);
    expect(unmatchedGroups).toEqual([join(dir, 'config/containers/retired.yml')]);
  });

  it('stops before touching any container when two groups matching one container set the same key', async () => {
    const { dir, host } = await fleet();
    await writeFile(join(dir, 'config/containers/prod.yml'), 'selectors:\n  ids: [101]\nenabled: true\n');
    await writeFile(join(dir, 'config/containers/retired.yml'), 'selectors:\n  ids: [101]\nenabled: false\n');
    const run = runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });
    await expect(run).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining(
        `CT 101 matches group files ${join(dir, 'config/containers/prod.yml')} and ${join(dir, 'config/containers/retired.yml')}, which both set 'enabled'`,
      ),
    });
    expect(host.calls.filter((c) => c.vmid !== undefined)).toEqual([]);
    expect(host.files(101)[join(dir, 'dst')]).toBe('1.0\n');
  });

  it('operator commands list the fleet first when a group selects by tag: snapshots prune keeps the group backup.keep', async () => {
    const dir = await cases.setup(GLOBAL, {});
    await writeFile(join(dir, 'config/containers/web.yml'), 'selectors:\n  tags: [web]\nbackup:\n  keep: 1\n');
    const host = new MemoryHost({
      containers: [
        { ...memCt(101), tags: ['web'] },
        { ...memCt(102), tags: ['db'] },
      ],
    });
    for (const vmid of [101, 102]) {
      for (const day of [1, 2, 3, 4]) {
        const runId = `2026112${day}T021500Z-3fa9c2`;
        await host.snapshot(vmid, snapshotNameFor(runId), snapshotDescriptionFor(runId, ['apt']), 60_000);
      }
    }
    const results = await pruneBackups({ configDir: join(dir, 'config'), host, dryRun: true, vmids: [101, 102] });
    // 101 is in web.yml (keep 1), 102 runs on the default (keep 3)
    expect(results.map((r) => [r.vmid, r.kept.length, r.deleted.length])).toEqual([
      [101, 1, 3],
      [102, 3, 1],
    ]);
  });
});
