import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_DRILL_PORTS, APPS_DRILL_ROOT } from './apps-drill-env.js';
import { appsDrillSandbox, ctState as ctStateOf, health, type Proc } from './sandbox-harness.js';

// Issue drills on the real-LXC sandbox: CT 101 (privileged, systemd, npm app) and CT 102
// (unprivileged, Python venv app), each with a local apt repo offering unrot-sandbox-demo 1.1.
// Timings are printed so the issue note can quote them. The `apps` sandbox shared with the health,
// policy, hook and wave drills (apps-drill-env.ts): up once per run, reset to the state `up` left
// before this file; unrot runs with the policy `up` wrote (<root>/unrot-config).
const sb = appsDrillSandbox({ config: join(APPS_DRILL_ROOT, 'unrot-config') });
const { pct, unrot } = sb;
const ctState = (vmid: number) => ctStateOf(vmid, sb);
const WEB_PORT = APPS_DRILL_PORTS.web;
const PY_PORT = APPS_DRILL_PORTS.py;

interface ReportLike {
  runId: string;
  exitCode: number;
  summary: Record<string, number>;
  containers: Array<{
    vmid: number;
    outcome: string;
    skipReason?: string;
    changingCommands: number;
    runners: Array<{
      id: string;
      updates: Array<{ name: string; from: string | null; to: string }>;
      changed: Array<{ name: string; from: string | null; to: string }>;
      plan: Array<{ argv: string[]; hostArgv: string[] }>;
    }>;
  }>;
}

const timings: Record<string, number> = {};
const parse = (p: Proc): ReportLike => {
  if (p.code !== 0) throw new Error(`unrot exited ${p.code}\n${p.stderr}\n${p.stdout.slice(0, 4000)}`);
  return JSON.parse(p.stdout) as ReportLike;
};
const ct = (r: ReportLike, vmid: number) => r.containers.find((c) => c.vmid === vmid);
const runner = (r: ReportLike, vmid: number, id: string) => ct(r, vmid)?.runners.find((x) => x.id === id);

beforeAll(async () => {
  // Pristine containers, and their `drillbase` snapshot (the state `up` left) to return to between drills.
  const ready = await sb.upOrReset();
  timings[`sandbox ${ready.how}`] = ready.ms;
});

afterAll(() => {
  console.log(`drill timings (ms): ${JSON.stringify(timings)}`);
});

async function backToBase(): Promise<void> {
  for (const vmid of [101, 102]) {
    const r = await pct('rollback', String(vmid), 'drillbase', '--start', '1');
    expect(r.code, r.stderr).toBe(0);
  }
}

describe('sandbox drills', () => {
  it('plan lists the pending apt, npm and pip updates with exact commands, and changes nothing', async () => {
    const before = { 101: await ctState(101), 102: await ctState(102) };
    const p = await unrot('plan', '--json');
    timings['plan'] = p.ms;
    const report = parse(p);
    expect(report.summary['planned']).toBe(2);
    expect(runner(report, 101, 'apt')?.updates).toContainEqual({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' });
    expect(runner(report, 101, 'npm')?.updates).toContainEqual(expect.objectContaining({ name: 'ms', from: '2.0.0', to: '2.1.3' }));
    expect(runner(report, 102, 'apt')?.updates).toContainEqual({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' });
    expect(runner(report, 102, 'pip')?.updates).toContainEqual(
      expect.objectContaining({ name: 'unrot-demo-lib', from: '1.0.0', to: '1.1.0' }),
    );
    for (const vmid of [101, 102]) {
      for (const r of ct(report, vmid)?.runners ?? []) {
        for (const step of r.plan) expect(step.hostArgv).toEqual(['pct', 'exec', String(vmid), '--', ...step.argv]);
      }
    }
    const human = await unrot('plan');
    expect(human.stdout).toContain('would run: pct exec 101 -- ');
    expect(human.stdout).toContain('unrot-sandbox-demo 1.0 → 1.1');
    expect({ 101: await ctState(101), 102: await ctState(102) }).toEqual(before);
  });

  it('run updates apt + npm in CT 101 and apt + pip in CT 102; a second run changes nothing', async () => {
    const r = await unrot('run', '--json');
    timings['run'] = r.ms;
    const report = parse(r);
    expect(report.exitCode).toBe(0);
    expect(ct(report, 101)?.outcome).toBe('updated');
    expect(ct(report, 102)?.outcome).toBe('updated');
    expect(runner(report, 101, 'apt')?.changed).toContainEqual({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' });
    expect(runner(report, 101, 'npm')?.changed).toContainEqual(expect.objectContaining({ name: 'ms', from: '2.0.0', to: '2.1.3' }));
    expect(runner(report, 102, 'apt')?.changed).toContainEqual({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' });
    expect(runner(report, 102, 'pip')?.changed).toContainEqual(
      expect.objectContaining({ name: 'unrot-demo-lib', from: '1.0.0', to: '1.1.0' }),
    );
    // Verified inside the containers, not only in the report.
    expect(await ctState(101)).toMatchObject({ demo: '1.1', app: '2.1.3' });
    expect(await ctState(102)).toMatchObject({ demo: '1.1', app: '1.1.0' });
    expect(await health(WEB_PORT)).toBe(200);
    expect(await health(PY_PORT)).toBe(200);
    const onDisk = JSON.parse(await readFile(join(APPS_DRILL_ROOT, 'unrot-state/runs', report.runId, 'report.json'), 'utf8')) as ReportLike;
    expect(onDisk.summary).toEqual(report.summary);

    const state = { 101: await ctState(101), 102: await ctState(102) };
    const again = await unrot('run', '--json');
    timings['second run'] = again.ms;
    const second = parse(again);
    for (const vmid of [101, 102]) expect(ct(second, vmid)).toMatchObject({ outcome: 'nothing-to-do', changingCommands: 0 });
    expect({ 101: await ctState(101), 102: await ctState(102) }).toEqual(state);
  });

  it('--tag py touches CT 102 only; --ct 101 touches CT 101 only', async () => {
    await backToBase();
    const base101 = await ctState(101);
    const tagRun = await unrot('run', '--tag', 'py', '--json');
    timings['run --tag py'] = tagRun.ms;
    const byTag = parse(tagRun);
    expect(ct(byTag, 102)?.outcome).toBe('updated');
    expect(ct(byTag, 101)).toMatchObject({ outcome: 'skipped', skipReason: 'not-in-cli-selection', changingCommands: 0 });
    expect(await ctState(101)).toEqual(base101);
    expect(await ctState(102)).toMatchObject({ demo: '1.1', app: '1.1.0' });

    const base102 = await ctState(102);
    const ctRun = await unrot('run', '--ct', '101', '--json');
    timings['run --ct 101'] = ctRun.ms;
    const byCt = parse(ctRun);
    expect(ct(byCt, 101)?.outcome).toBe('updated');
    expect(ct(byCt, 102)).toMatchObject({ outcome: 'skipped', skipReason: 'not-in-cli-selection' });
    expect(await ctState(102)).toEqual(base102);
    expect(await ctState(101)).toMatchObject({ demo: '1.1', app: '2.1.3' });
    expect(await health(WEB_PORT)).toBe(200);
  });
});
