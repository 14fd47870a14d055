import { writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { EngineEvents, RunReportSchema, runUnrot } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPolicy, type FakeHost, fakeCt, fakeHost } from './fake-host-harness.js';

// These tests run the real engine — config loading, piscina workers, the pct host adapter —
// against a minimal pct/pvesh stand-in (test/fixtures/fake-host) whose `exec` runs commands on
// this machine, with runners that copy real files. Real-LXC drills live in test/drills.
let host: FakeHost;
let bin: string;
let pluginRoot: string;
const setup = (fleet: object, global: string, containers: Record<number, string>) => host.setup(fleet, global, containers);

beforeAll(async () => {
  host = await fakeHost();
  bin = host.bin;
  pluginRoot = host.pluginRoot;
});
afterAll(() => host.restore());

const ct = fakeCt;
// The fake host has no snapshots: the safety net is drilled on the real-LXC sandbox (test/drills).
const GLOBAL =
  'max_concurrency: 3\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n  timeouts:\n    check: 2\n';

describe('runUnrot end to end over a pct stand-in', () => {
  it('plans without changing anything, runs the plan, then finds nothing to do', async () => {
    const dir = await setup({ containers: [ct(101), ct(102, 'stopped')] }, GLOBAL, { 101: copyPolicy(1), 102: copyPolicy(2) });
    await writeFile(join(dir, 'src1'), 'v2\n');
    await writeFile(join(dir, 'dst1'), 'v1\n');
    const events = new EngineEvents();
    const execs: string[] = [];
    events.on('exec', (e) => execs.push(`${e.record.kind}:${e.record.executed}:${e.record.argv[0]}`));

    const plan = await runUnrot({ configDir: join(dir, 'config'), dryRun: true, pluginRoots: [pluginRoot], events });
    expect(plan.exitCode).toBe(0);
    expect(await readFile(join(dir, 'dst1'), 'utf8')).toBe('v1\n');
    const c101 = plan.report.containers.find((c) => c.vmid === 101);
    expect(c101?.outcome).toBe('planned');
    expect(c101?.runners[0]?.updates).toEqual([{ name: 'demo', from: 'v1', to: 'v2' }]);
    expect(c101?.runners[0]?.plan[0]?.hostArgv).toEqual(['pct', 'exec', '101', '--', 'cp', join(dir, 'src1'), join(dir, 'dst1')]);
    expect(plan.report.containers.find((c) => c.vmid === 102)).toMatchObject({ outcome: 'skipped', skipReason: 'stopped' });
    expect(execs.filter((e) => e.startsWith('change:true'))).toEqual([]);

    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot] });
    expect(run.exitCode).toBe(0);
    expect(await readFile(join(dir, 'dst1'), 'utf8')).toBe('v2\n');
    const updated = run.report.containers.find((c) => c.vmid === 101);
    expect(updated?.outcome).toBe('updated');
    expect(updated?.runners[0]?.changed).toEqual([{ name: 'demo', from: 'v1', to: 'v2' }]);
    expect(updated?.changingCommands).toBe(1);
    expect([...Value.Errors(RunReportSchema, run.report)]).toEqual([]);
    const onDisk = JSON.parse(await readFile(run.reportPath, 'utf8'));
    expect(onDisk.runId).toBe(run.report.runId);
    const ctLog = await readFile(join(run.report.logDir, 'ct-101.jsonl'), 'utf8');
    expect(
      ctLog
        .trim()
        .split('\n')
        .every((l) => JSON.parse(l).vmid === 101),
    ).toBe(true);

    const again = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot] });
    expect(again.report.containers.find((c) => c.vmid === 101)).toMatchObject({ outcome: 'nothing-to-do', changingCommands: 0 });
  });

  it('keeps going when one container hangs, one ignores its signal and one kills its worker thread', async () => {
    const dir = await setup({ containers: [ct(101), ct(102), ct(103), ct(104)] }, GLOBAL, {
      101: copyPolicy(1),
      102: 'runners:\n  misbehaving:\n    mode: hang\n',
      103: 'runners:\n  misbehaving:\n    mode: ignore-signal\n',
      104: 'runners:\n  misbehaving:\n    mode: crash-thread\n',
    });
    await writeFile(join(dir, 'src1'), 'v2\n');
    const started = Date.now();
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot] });
    const by = (vmid: number) => run.report.containers.find((c) => c.vmid === vmid);
    expect(by(101)?.outcome).toBe('updated');
    expect(by(102)).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_STEP_TIMEOUT' } });
    expect(by(103)).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_STEP_TIMEOUT' } });
    expect(by(104)).toMatchObject({ outcome: 'failed', error: { code: 'E_WORKER_CRASHED' } });
    expect(run.exitCode).toBe(1);
    // check timeout is 2 s and retries 1: well under the 30 s the misbehaving runners would take.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('stops a runner that tries to change anything outside apply, and rejects invalid runner output', async () => {
    const dir = await setup({ containers: [ct(101), ct(102)] }, GLOBAL, {
      101: 'runners:\n  misbehaving:\n    mode: change-in-check\n    marker: DIR/marker\n',
      102: 'runners:\n  misbehaving:\n    mode: invalid-output\n',
    });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot] });
    expect(run.report.containers[0]).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_DRY_RUN_VIOLATION' } });
    await expect(readFile(join(dir, 'marker'))).rejects.toThrow();
    expect(run.report.containers[1]).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_RUNNER_INVALID_OUTPUT' } });
  });

  it('retries a read-only step that failed once', async () => {
    const dir = await setup({ containers: [ct(101)] }, GLOBAL, {
      101: 'runners:\n  misbehaving:\n    mode: flaky\n    marker: DIR/flaky\n',
    });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot] });
    expect(run.report.containers[0]?.outcome).toBe('nothing-to-do');
  });

  it('skips a container that vanished between listing and pre-flight', async () => {
    const dir = await setup({ containers: [ct(101)] }, GLOBAL, { 101: copyPolicy(1) });
    await writeFile(join(dir, 'src1'), 'v2\n');
    const events = new EngineEvents();
    // Remove the container from the stand-in as soon as the run has listed it.
    events.on('run:start', () => {
      writeFileSync(join(bin, 'fleet.json'), JSON.stringify({ containers: [] }));
    });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], events });
    expect(run.report.containers[0]).toMatchObject({ outcome: 'skipped', skipReason: 'vanished' });
  });
});
