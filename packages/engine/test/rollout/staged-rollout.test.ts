import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { RunReportSchema, runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MemoryExecHandler, MemoryHost } from '../../src/host/memory-host.js';
import { composeNotification, computeSeverity } from '../../src/notify/index.js';
import { EXIT_CODES } from '../../src/report/exit-codes.js';
import type { RunReport } from '../../src/report/run-report.js';
import { type MemoryCases, memCt, memoryCases } from '../lifecycle/fake-host-harness.js';

// Staged rollouts, end to end through the real engine (config, workers, state dir, report) over
// the in-memory host: the "package" is demo, its version the text of a file (file-copy runner);
// a soaked wave's health check reads a file in the container (file-content probe).
const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));
let cases: MemoryCases;
let pluginRoot: string;

beforeAll(async () => {
  cases = await memoryCases();
  pluginRoot = join(cases.work, 'rollout-plugin');
  await mkdir(pluginRoot);
  await writeFile(
    join(pluginRoot, 'package.json'),
    JSON.stringify({
      name: '@unrot-test/rollout-fixtures',
      version: '1.0.0',
      unrot: {
        sdk: 1,
        runners: [join(fixtures, 'runners/file-copy-runner.mjs')],
        probes: [join(fixtures, 'probes/file-probe.mjs')],
      },
    }),
  );
});

const BASE = 'max_concurrency: 4\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: BACKUP\n  runners:\n    os: none\n';
const globalWith = (rollout: string, backup = 'none') => `${BASE.replace('BACKUP', backup)}rollout:\n${rollout}`;

/** Every container copies DIR/src<vmid> over DIR/dst<vmid>: demo goes from dst's text to src's. */
const copy = (vmid: number, health = '') => `runners:\n  file-copy:\n    source: DIR/src${vmid}\n    target: DIR/dst${vmid}\n${health}`;
const healthOn = (path: string) =>
  `health_checks:\n  - probe: file-content\n    name: alive\n    options: { path: ${path}, expect: ok }\n    schedule: { warmup_ms: 0, attempts: 1, failure_threshold: 1 }\n`;

interface Fleet {
  dir: string;
  host: MemoryHost;
  run(opts?: { at?: Date; dryRun?: boolean }): Promise<{ report: RunReport; exitCode: number }>;
  state(): Promise<Record<string, unknown> | undefined>;
}

/** A case: containers `versions` (vmid → [installed, available]), a global.yml rollout, optional exec script. */
async function fleet(
  global: string,
  versions: Record<number, [string, string]>,
  opts: { exec?: MemoryExecHandler; health?: Record<number, string> } = {},
): Promise<Fleet> {
  const policies = Object.fromEntries(Object.keys(versions).map((v) => [v, copy(Number(v), opts.health?.[Number(v)] ?? '')]));
  const dir = await cases.setup(global, policies);
  const host = new MemoryHost({
    containers: Object.entries(versions).map(([v, [have, want]]) =>
      memCt(Number(v), 'running', {
        [join(dir, `src${v}`)]: `${want}\n`,
        [join(dir, `dst${v}`)]: `${have}\n`,
        '/srv/alive': 'ok\n',
      }),
    ),
    ...(opts.exec ? { exec: opts.exec } : {}),
  });
  return {
    dir,
    host,
    async run({ at, dryRun = false } = {}) {
      const out = await runUnrot({
        configDir: join(dir, 'config'),
        dryRun,
        pluginRoots: [pluginRoot],
        host,
        ...(at ? { now: () => at } : {}),
      });
      expect([...Value.Errors(RunReportSchema, out.report)]).toEqual([]);
      return { report: out.report, exitCode: out.exitCode };
    },
    async state() {
      try {
        return JSON.parse(await readFile(join(dir, 'state/rollout-state.json'), 'utf8'));
      } catch {
        return undefined;
      }
    },
  };
}

const ct = (report: RunReport, vmid: number) => report.containers.find((c) => c.vmid === vmid);
const installed = (f: Fleet, vmid: number) => f.host.files(vmid)[join(f.dir, `dst${vmid}`)];
/** Host calls about one container (listContainers names none). */
const touched = (f: Fleet, vmid: number) => f.host.calls.filter((c) => c.vmid === vmid);
/** `cp` fails in these containers: the update's apply fails. */
const brokenIn =
  (...vmids: number[]): MemoryExecHandler =>
  ({ vmid, argv }) =>
    vmids.includes(vmid) && argv[0] === 'cp' ? { exitCode: 1, stderr: 'cp: write error: No space left on device\n' } : undefined;

const TWO_WAVES = '  waves:\n    - name: canary\n      ids: [101]\n    - name: rest\n      rest: true\n';

describe('staged rollout: waves and stop conditions', () => {
  it('runs the waves in order; with no stop condition met every wave is done', async () => {
    const f = await fleet(globalWith(TWO_WAVES), { 101: ['1.0', '1.1'], 102: ['1.0', '1.1'], 103: ['1.0', '1.1'] });
    const { report, exitCode } = await f.run();
    expect(exitCode).toBe(EXIT_CODES.OK);
    expect(report.rollout).toMatchObject({
      status: 'completed',
      waves: [
        { name: 'canary', vmids: [101], status: 'done', ran: 1, failed: 0 },
        { name: 'rest', vmids: [102, 103], status: 'done', ran: 2, failed: 0 },
      ],
      pins: { 'file-copy': { demo: ['1.1'] } },
    });
    for (const v of [101, 102, 103]) expect(installed(f, v)).toBe('1.1\n');
    // The canary finished before the next wave started: its copy is the first one.
    const copies = f.host.calls.filter((c) => c.op === 'exec' && c.argv?.[0] === 'cp').map((c) => c.vmid);
    expect(copies[0]).toBe(101);
    // A finished rollout starts over next time, the canary's versions kept.
    expect(await f.state()).toMatchObject({ resumeAt: 0, pins: { 'file-copy': { demo: ['1.1'] } } });
    expect((await f.state())?.['soak']).toBeUndefined();
  });

  it('a rollback in the canary halts the later waves: skipped with the reason, no host call, loud notification', async () => {
    const f = await fleet(
      globalWith(TWO_WAVES, 'snapshot'),
      { 101: ['1.0', '1.1'], 102: ['1.0', '1.1'], 103: ['1.0', '1.1'] },
      {
        exec: brokenIn(101),
      },
    );
    const { report, exitCode } = await f.run();
    expect(ct(report, 101)?.outcome).toBe('rolled-back');
    // 1 (a container rolled back) wins over 5 (cut short), as everywhere.
    expect(exitCode).toBe(EXIT_CODES.CONTAINER_FAILED);
    for (const v of [102, 103]) {
      expect(ct(report, v)).toMatchObject({ outcome: 'skipped', skipReason: 'rollout-halted', skipClass: 'cut-short' });
      expect(ct(report, v)?.skipDetail).toContain("wave 'canary': 1 container was rolled back (halt_on_rollback)");
      expect(touched(f, v)).toEqual([]);
      expect(installed(f, v)).toBe('1.0\n');
    }
    expect(report.summary.cutShort).toBe(2);
    expect(report.rollout).toMatchObject({ status: 'halted', waves: [{ status: 'halted', rolledBack: 1 }, { status: 'skipped' }] });
    const verdict = computeSeverity(report);
    expect(verdict).toMatchObject({ severity: 'failure' });
    expect(verdict.reason).toContain('staged rollout halted');
    const message = await composeNotification(report, verdict);
    expect(message.text).toContain('Staged rollout halted');
    expect(message.text).toContain('!!! unrot FAILURE');
  });

  it('halt_on_rollback: false leaves rollbacks to max_failures', async () => {
    const waves =
      '  waves:\n    - name: canary\n      ids: [101, 102]\n      halt_on_rollback: false\n      max_failures: 1\n    - name: rest\n      rest: true\n';
    const f = await fleet(
      globalWith(waves, 'snapshot'),
      { 101: ['1.0', '1.1'], 102: ['1.0', '1.1'], 103: ['1.0', '1.1'] },
      {
        exec: brokenIn(101),
      },
    );
    const { report } = await f.run();
    expect(ct(report, 101)?.outcome).toBe('rolled-back');
    expect(report.rollout?.waves.map((w) => w.status)).toEqual(['done', 'done']);
    expect(installed(f, 103)).toBe('1.1\n');
  });

  it('max_failures: more failures than allowed halts; the cut-short exit code when nothing in this run failed', async () => {
    const waves =
      '  waves:\n    - name: a\n      ids: [101, 102]\n      max_failures: 1\n    - name: b\n      ids: [103, 104]\n      max_failures: 0\n    - name: c\n      rest: true\n';
    const f = await fleet(
      globalWith(waves),
      { 101: ['1', '2'], 102: ['1', '2'], 103: ['1', '2'], 104: ['1', '2'], 105: ['1', '2'] },
      {
        exec: brokenIn(102, 104),
      },
    );
    const { report } = await f.run();
    // Wave a: 1 failure, allowed. Wave b: 1 failure > 0: halts c.
    expect(ct(report, 102)?.outcome).toBe('failed');
    expect(report.rollout?.waves.map((w) => [w.name, w.status, w.failed])).toEqual([
      ['a', 'done', 1],
      ['b', 'halted', 1],
      ['c', 'skipped', undefined],
    ]);
    expect(ct(report, 105)?.skipDetail).toContain("wave 'b': 1 of 2 containers failed, more than max_failures 0");
    expect(touched(f, 105)).toEqual([]);
  });

  it('max_failure_ratio: a share above the ratio halts, one at or below it does not', async () => {
    const waves = (ratio: number) =>
      `  waves:\n    - name: a\n      ids: [101, 102, 103, 104]\n      max_failure_ratio: ${ratio}\n      halt_on_rollback: false\n    - name: b\n      rest: true\n`;
    const versions = { 101: ['1', '2'], 102: ['1', '2'], 103: ['1', '2'], 104: ['1', '2'], 105: ['1', '2'] } as Record<
      number,
      [string, string]
    >;
    const halted = await fleet(globalWith(waves(0.2)), versions, { exec: brokenIn(101) });
    const h = await halted.run();
    expect(h.report.rollout?.status).toBe('halted');
    expect(ct(h.report, 105)?.skipDetail).toContain('1 of 4 containers failed, a ratio above max_failure_ratio 0.2');
    const allowed = await fleet(globalWith(waves(0.25)), versions, { exec: brokenIn(101) });
    const a = await allowed.run();
    expect(a.report.rollout?.status).toBe('completed');
    expect(installed(allowed, 105)).toBe('2\n');
  });

  it('a halt that only skipped containers (a stop condition, no failure in this run) exits with the cut-short code', async () => {
    // Soak probes failing halt without any container failing in this run: exit 5.
    const waves = '  waves:\n    - name: canary\n      ids: [101]\n      soak: 1h\n    - name: rest\n      rest: true\n';
    const f = await fleet(globalWith(waves), { 101: ['1', '2'], 102: ['1', '2'] }, { health: { 101: healthOn('/srv/alive') } });
    const t0 = new Date('2026-12-03T10:00:00Z');
    expect((await f.run({ at: t0 })).report.rollout?.status).toBe('soaking');
    f.host.container(101).files.set('/srv/alive', 'degraded\n');
    const { report, exitCode } = await f.run({ at: new Date('2026-12-03T11:00:01Z') });
    expect(exitCode).toBe(EXIT_CODES.CUT_SHORT);
    expect(report.rollout?.status).toBe('halted');
    expect(report.rollout?.detail).toContain("wave 'canary': health checks failed at the end of its soak: CT 101 alive (file-content)");
    expect(ct(report, 102)).toMatchObject({ outcome: 'skipped', skipReason: 'rollout-halted' });
    expect(touched(f, 102)).toEqual([]);
    expect(computeSeverity(report).severity).toBe('failure');
    // Halted: the next run starts the rollout over at the canary.
    expect(await f.state()).toMatchObject({ resumeAt: 0 });
  });
});

describe('staged rollout: canary pinning', () => {
  it('later waves install the canary version; a newer one is withheld and reported', async () => {
    const f = await fleet(globalWith(TWO_WAVES), { 101: ['1.0', '1.1'], 102: ['1.0', '1.1'], 103: ['1.0', '1.2'] });
    const { report, exitCode } = await f.run();
    expect(exitCode).toBe(0);
    expect(installed(f, 102)).toBe('1.1\n');
    expect(installed(f, 103)).toBe('1.0\n');
    expect(ct(report, 103)).toMatchObject({ outcome: 'nothing-to-do' });
    expect(ct(report, 103)?.runners[0]?.withheld).toEqual([{ name: 'demo', reason: "newer than the canary's (1.1)" }]);
    expect(touched(f, 103).filter((c) => c.argv?.[0] === 'cp')).toEqual([]);
  });

  it('pins carry over to the next run (resume after a soak) and are shown by plan', async () => {
    const waves = '  waves:\n    - name: canary\n      ids: [101]\n      soak: 2h\n    - name: rest\n      rest: true\n';
    const f = await fleet(globalWith(waves), { 101: ['1.0', '1.1'], 102: ['1.0', '1.10'] });
    await f.run({ at: new Date('2026-12-03T10:00:00Z') });
    const plan = await f.run({ dryRun: true, at: new Date('2026-12-03T10:30:00Z') });
    expect(plan.report.rollout).toMatchObject({ status: 'planned', pins: { 'file-copy': { demo: ['1.1'] } } });
    expect(ct(plan.report, 102)?.runners[0]?.withheld).toEqual([{ name: 'demo', reason: "newer than the canary's (1.1)" }]);
    const { report } = await f.run({ at: new Date('2026-12-03T12:00:00Z') });
    expect(report.rollout?.waves.map((w) => w.status)).toEqual(['done-earlier', 'done']);
    expect(ct(report, 102)?.runners[0]?.withheld).toEqual([{ name: 'demo', reason: "newer than the canary's (1.1)" }]);
    expect(installed(f, 102)).toBe('1.0\n');
  });

  it('pin_to_canary: false lets later waves install what they find', async () => {
    const f = await fleet(globalWith(`${TWO_WAVES}  pin_to_canary: false\n`), { 101: ['1.0', '1.1'], 102: ['1.0', '1.2'] });
    await f.run();
    expect(installed(f, 102)).toBe('1.2\n');
  });
});

describe('staged rollout: soak and resume', () => {
  const SOAKED =
    '  waves:\n    - name: canary\n      ids: [101]\n      soak: 2h\n    - name: web\n      ids: [102]\n    - name: rest\n      rest: true\n';

  it('a run during the soak runs nothing and says until when; after it (checks pass) the next run takes the next wave', async () => {
    const f = await fleet(
      globalWith(SOAKED),
      { 101: ['1', '2'], 102: ['1', '2'], 103: ['1', '2'] },
      { health: { 101: healthOn('/srv/alive') } },
    );
    const first = await f.run({ at: new Date('2026-12-03T10:00:00Z') });
    expect(first.exitCode).toBe(0);
    expect(first.report.rollout).toMatchObject({ status: 'soaking', soakingUntil: '2026-12-03T12:00:00.000Z' });
    expect(ct(first.report, 102)).toMatchObject({
      skipReason: 'rollout-soaking',
      skipDetail: "wave 'canary' soaks until 2026-12-03T12:00:00.000Z",
    });
    expect(installed(f, 102)).toBe('1\n');
    const stateAfterFirst = await f.state();

    // A timer run in the soak: nothing runs (not even the finished canary), the state is unchanged.
    const callsBefore = f.host.calls.length;
    const during = await f.run({ at: new Date('2026-12-03T11:59:00Z') });
    expect(during.exitCode).toBe(0);
    expect(during.report.rollout).toMatchObject({
      status: 'soaking',
      waves: [{ status: 'done-earlier' }, { status: 'skipped' }, { status: 'skipped' }],
    });
    expect(ct(during.report, 101)).toMatchObject({ skipReason: 'rollout-wave-done' });
    expect(f.host.calls.slice(callsBefore).filter((c) => c.vmid !== undefined)).toEqual([]);
    expect(await f.state()).toEqual(stateAfterFirst);

    // After the soak: the canary's health check runs again (read-only), then the later waves.
    const soakCheckFrom = f.host.calls.length;
    const after = await f.run({ at: new Date('2026-12-03T12:00:00Z') });
    const canaryCalls = f.host.calls.slice(soakCheckFrom).filter((c) => c.vmid === 101);
    expect(canaryCalls.map((c) => c.argv)).toContainEqual(['cat', '/srv/alive']);
    expect(canaryCalls.filter((c) => c.op !== 'exec' && c.op !== 'readConfig')).toEqual([]);
    expect(after.exitCode).toBe(0);
    expect(after.report.rollout?.waves.map((w) => w.status)).toEqual(['done-earlier', 'done', 'done']);
    expect(installed(f, 102)).toBe('2\n');
    expect(installed(f, 103)).toBe('2\n');
    expect(await f.state()).toMatchObject({ resumeAt: 0 });
  });

  it('a soak of a wave that changed nothing does not hold the next wave', async () => {
    const f = await fleet(globalWith(SOAKED), { 101: ['2', '2'], 102: ['1', '2'], 103: ['1', '2'] });
    const { report } = await f.run();
    expect(report.rollout?.status).toBe('completed');
  });
});

describe('staged rollout: state and configuration', () => {
  it('a tampered rollout-state.json is refused with E_STATE_INVALID, quarantined, never acted on', async () => {
    const f = await fleet(globalWith(TWO_WAVES), { 101: ['1', '2'], 102: ['1', '2'] });
    await mkdir(join(f.dir, 'state'), { recursive: true });
    // Claims the canary is done and pins demo to 9 (a version nobody tested).
    const forged = {
      schema: 'unrot.rollout-state/v1',
      configHash: 'x'.repeat(64),
      resumeAt: 1,
      pins: {},
      updatedAt: '2026-12-03T10:00:00Z',
    };
    await writeFile(join(f.dir, 'state/rollout-state.json'), JSON.stringify(forged), { mode: 0o600 });
    const error = await f.run().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_STATE_INVALID' });
    expect(String((error as Error).message)).toContain('/configHash');
    expect(installed(f, 101)).toBe('1\n');
    expect(installed(f, 102)).toBe('1\n');
    expect(await f.state()).toBeUndefined();
    expect((await readdir(join(f.dir, 'state/quarantine'))).some((n) => n.includes('rollout-state'))).toBe(true);
    // The report of the failed run says so; the next run starts over at the canary.
    const again = await f.run();
    expect(again.report.rollout?.waves.map((w) => w.status)).toEqual(['done', 'done']);
  });

  it('a state naming a wave that does not exist is refused too', async () => {
    const f = await fleet(globalWith(TWO_WAVES), { 101: ['1', '2'] });
    await f.run();
    const state = (await f.state()) as Record<string, unknown>;
    await writeFile(join(f.dir, 'state/rollout-state.json'), JSON.stringify({ ...state, resumeAt: 7 }), { mode: 0o600 });
    await expect(f.run()).rejects.toMatchObject({ code: 'E_STATE_INVALID' });
  });

  it('a changed rollout block starts a fresh rollout (the old progress belongs to another one)', async () => {
    const waves = '  waves:\n    - name: canary\n      ids: [101]\n      soak: 2h\n    - name: rest\n      rest: true\n';
    const f = await fleet(globalWith(waves), { 101: ['1', '2'], 102: ['1', '2'] });
    await f.run({ at: new Date('2026-12-03T10:00:00Z') });
    await writeFile(
      join(f.dir, 'config/global.yml'),
      (await readFile(join(f.dir, 'config/global.yml'), 'utf8')).replace('soak: 2h', 'soak: 1h'),
    );
    const { report } = await f.run({ at: new Date('2026-12-03T10:05:00Z') });
    // Canary: nothing to do any more; its soak only holds when it changed something.
    expect(report.rollout?.waves.map((w) => w.status)).toEqual(['done', 'done']);
    expect(installed(f, 102)).toBe('2\n');
  });

  it('without rollout: nothing of it appears and no state file is written', async () => {
    const f = await fleet(BASE.replace('BACKUP', 'none'), { 101: ['1', '2'] });
    const { report } = await f.run();
    expect(report.rollout).toBeUndefined();
    expect(await f.state()).toBeUndefined();
  });

  it('plan shows the waves and who is in each; a container no wave selects is not updated', async () => {
    const waves = '  waves:\n    - name: canary\n      ids: [101]\n    - name: web\n      ids: [102]\n';
    const f = await fleet(globalWith(waves), { 101: ['1', '2'], 102: ['1', '2'], 103: ['1', '2'] });
    const plan = await f.run({ dryRun: true });
    expect(plan.report.rollout).toMatchObject({
      status: 'planned',
      detail: "next run: wave 'canary'",
      waves: [
        { name: 'canary', vmids: [101], status: 'planned' },
        { name: 'web', vmids: [102], status: 'planned' },
      ],
      unassigned: [103],
    });
    expect(ct(plan.report, 101)?.outcome).toBe('planned');
    expect(ct(plan.report, 103)).toMatchObject({ outcome: 'skipped', skipReason: 'not-in-rollout', skipClass: 'benign' });
    expect(await f.state()).toBeUndefined();
  });
});
