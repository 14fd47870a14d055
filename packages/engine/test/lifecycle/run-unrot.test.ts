import { writeFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { EngineEvents, RunReportSchema, runUnrot } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/host/memory-host.js';
import { copyPolicy, type FakeHost, fakeCt, fakeHost, type MemoryCases, memCt, memoryCases } from './fake-host-harness.js';

// These tests run the real engine — config loading, piscina workers, reports — with runners
// that copy files. Most hand runUnrot an in-memory host (RunOptions.host): the workers' host
// calls go over their task ports to it, and the test reads the containers' files from it. The
// last group drives the real pct adapter in the workers against a minimal pct/pvesh stand-in
// (test/fixtures/fake-host) whose `exec` runs commands on this machine. Real-LXC drills live
// in test/drills.
let cases: MemoryCases;
let pluginRoot: string;

beforeAll(async () => {
  cases = await memoryCases();
  pluginRoot = cases.pluginRoot;
});

// The in-memory containers take no backups here: the safety net has its own tests.
const GLOBAL =
  'max_concurrency: 3\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n  timeouts:\n    check: 2\n';

describe('runUnrot end to end over an in-memory host', () => {
  it('plans without changing anything, runs the plan, then finds nothing to do', async () => {
    const dir = await cases.setup(GLOBAL, { 101: copyPolicy(1), 102: copyPolicy(2) });
    const host = new MemoryHost({
      containers: [memCt(101, 'running', { [join(dir, 'src1')]: 'v2\n', [join(dir, 'dst1')]: 'v1\n' }), memCt(102, 'stopped')],
    });
    const events = new EngineEvents();
    const execs: string[] = [];
    events.on('exec', (e) => execs.push(`${e.record.kind}:${e.record.executed}:${e.record.argv[0]}`));

    const plan = await runUnrot({ configDir: join(dir, 'config'), dryRun: true, pluginRoots: [pluginRoot], events, host });
    expect(plan.exitCode).toBe(0);
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v1\n');
    const c101 = plan.report.containers.find((c) => c.vmid === 101);
    expect(c101?.outcome).toBe('planned');
    expect(c101?.runners[0]?.updates).toEqual([{ name: 'demo', from: 'v1', to: 'v2' }]);
    expect(c101?.runners[0]?.plan[0]?.hostArgv).toEqual(['pct', 'exec', '101', '--', 'cp', join(dir, 'src1'), join(dir, 'dst1')]);
    expect(plan.report.containers.find((c) => c.vmid === 102)).toMatchObject({ outcome: 'skipped', skipReason: 'stopped' });
    expect(execs.filter((e) => e.startsWith('change:true'))).toEqual([]);
    // Every command reached the injected host, none of them the copy.
    expect(host.ops('exec').map((c) => c.argv?.[0])).not.toContain('cp');
    expect(host.ops('exec').length).toBeGreaterThan(0);

    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], host });
    expect(run.exitCode).toBe(0);
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v2\n');
    const updated = run.report.containers.find((c) => c.vmid === 101);
    expect(updated?.outcome).toBe('updated');
    expect(updated?.runners[0]?.changed).toEqual([{ name: 'demo', from: 'v1', to: 'v2' }]);
    expect(updated?.changingCommands).toBe(1);
    expect(host.ops('exec').filter((c) => c.argv?.[0] === 'cp')).toEqual([
      { op: 'exec', vmid: 101, argv: ['cp', join(dir, 'src1'), join(dir, 'dst1')] },
    ]);
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

    const again = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], host });
    expect(again.report.containers.find((c) => c.vmid === 101)).toMatchObject({ outcome: 'nothing-to-do', changingCommands: 0 });
  });

  it('stops a runner that tries to change anything outside apply, and rejects invalid runner output', async () => {
    const dir = await cases.setup(GLOBAL, {
      101: 'runners:\n  misbehaving:\n    mode: change-in-check\n    marker: DIR/marker\n',
      102: 'runners:\n  misbehaving:\n    mode: invalid-output\n',
    });
    const host = new MemoryHost({ containers: [memCt(101), memCt(102)] });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], host });
    expect(run.report.containers[0]).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_DRY_RUN_VIOLATION' } });
    // The change never reached the host.
    expect(host.ops('exec').filter((c) => c.argv?.[0] === 'touch')).toEqual([]);
    expect(run.report.containers[1]).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_RUNNER_INVALID_OUTPUT' } });
    expect(run.exitCode).toBe(1);
  });

  it('retries a read-only step that failed once', async () => {
    const dir = await cases.setup(GLOBAL, { 101: 'runners:\n  misbehaving:\n    mode: flaky\n    marker: /tmp/flaky\n' });
    // `mkdir` succeeds the first time (the runner then fails with a transient error) and exits 1 after.
    const host = new MemoryHost({
      containers: [memCt(101)],
      exec: ({ argv, container }) => {
        if (argv[0] !== 'mkdir' || argv[1] === undefined) return undefined;
        if (container.files.has(argv[1])) return { exitCode: 1, stderr: 'mkdir: File exists\n' };
        container.files.set(argv[1], '');
        return { exitCode: 0 };
      },
    });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], host });
    expect(run.report.containers[0]?.outcome).toBe('nothing-to-do');
    expect(host.ops('exec').filter((c) => c.argv?.[0] === 'mkdir')).toHaveLength(2);
  });

  it('skips a container that vanished between listing and pre-flight', async () => {
    const dir = await cases.setup(GLOBAL, { 101: copyPolicy(1) });
    const host = new MemoryHost({ containers: [memCt(101, 'running', { [join(dir, 'src1')]: 'v2\n' })] });
    const events = new EngineEvents();
    // Remove the container from the host as soon as the run has listed it.
    events.on('run:start', () => host.containers.delete(101));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], events, host });
    expect(run.report.containers[0]).toMatchObject({ outcome: 'skipped', skipReason: 'vanished' });
  });

  it('a host that cannot list its containers ends the run with exit 3 and a report', async () => {
    const dir = await cases.setup(GLOBAL, { 101: copyPolicy(1) });
    const host = new MemoryHost({ containers: [memCt(101)] });
    host.fail('listContainers', 'E_EXEC_FAILED');
    const error = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], host }).catch((e) => e);
    expect(error).toMatchObject({ code: 'E_EXEC_FAILED', hostError: true });
    const runs = join(dir, 'state/runs');
    const [runId] = (await readdir(runs)).filter((n) => /^\d{8}T/.test(n));
    const report = JSON.parse(await readFile(join(runs, runId as string, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ exitCode: 3, containers: [], error: { code: 'E_EXEC_FAILED' } });
    expect([...Value.Errors(RunReportSchema, report)]).toEqual([]);
  });
});

describe('runUnrot with the pct adapter in the workers (pct stand-in on PATH)', () => {
  let stand: FakeHost;
  beforeAll(async () => {
    stand = await fakeHost();
  });
  afterAll(() => stand.restore());

  it('keeps going when one container hangs, one ignores its signal and one kills its worker thread', async () => {
    const dir = await stand.setup({ containers: [fakeCt(101), fakeCt(102), fakeCt(103), fakeCt(104)] }, GLOBAL, {
      101: copyPolicy(1),
      102: 'runners:\n  misbehaving:\n    mode: hang\n',
      103: 'runners:\n  misbehaving:\n    mode: ignore-signal\n',
      104: 'runners:\n  misbehaving:\n    mode: crash-thread\n',
    });
    await writeFile(join(dir, 'src1'), 'v2\n');
    const started = Date.now();
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [stand.pluginRoot] });
    const by = (vmid: number) => run.report.containers.find((c) => c.vmid === vmid);
    expect(by(101)?.outcome).toBe('updated');
    expect(await readFile(join(dir, 'dst1'), 'utf8')).toBe('v2\n');
    expect(by(102)).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_STEP_TIMEOUT' } });
    expect(by(103)).toMatchObject({ outcome: 'failed', error: { step: 'check', code: 'E_STEP_TIMEOUT' } });
    expect(by(104)).toMatchObject({ outcome: 'failed', error: { code: 'E_WORKER_CRASHED' } });
    expect(run.exitCode).toBe(1);
    // check timeout is 2 s and retries 1: well under the 30 s the misbehaving runners would take.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('lists the fleet through pvesh and sees a container vanish from it', async () => {
    const dir = await stand.setup({ containers: [fakeCt(101)] }, GLOBAL, { 101: copyPolicy(1) });
    await writeFile(join(dir, 'src1'), 'v2\n');
    const events = new EngineEvents();
    events.on('run:start', () => {
      writeFileSync(join(stand.bin, 'fleet.json'), JSON.stringify({ containers: [] }));
    });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [stand.pluginRoot], events });
    expect(run.report.containers[0]).toMatchObject({ outcome: 'skipped', skipReason: 'vanished' });
  });
});
