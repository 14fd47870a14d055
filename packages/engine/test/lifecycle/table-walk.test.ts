import type { LifecycleEventName } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import type { MemoryExecHandler } from '../../src/host/memory-host.js';
import { CONTAINER_ROWS } from '../../src/lifecycle/step-table.js';
import { fileCheck, fileProbe, fileRunner, type PipelineCase, pipelineCase, type Recorded, VMID } from './memory-pipeline.js';

// The executed order is the table's: every scripted run below starts exactly the rows the
// table says, in its order, runner rows as blocks walked runner by runner.

const SYSTEMCTL: MemoryExecHandler = ({ argv }) => {
  if (argv[0] !== 'systemctl') return undefined;
  if (argv[1] === 'restart') return { exitCode: argv[2] === 'broken' ? 5 : 0 };
  if (argv[1] === 'is-active') return { exitCode: 0, stdout: 'active\n' };
  return { exitCode: 1 };
};

const full = (extra: Parameters<typeof pipelineCase>[0] = {}) =>
  pipelineCase({
    runners: { os: fileRunner('os'), app: fileRunner('app') },
    host: { exec: SYSTEMCTL },
    ...extra,
    task: {
      hooks: { preUpdate: [{ argv: ['true'] }], postUpdate: [{ argv: ['echo', 'done'] }] },
      restart: { units: ['web'], when: 'changed', waitActiveMs: 1000 },
      ...extra.task,
    },
  });

/** The table's row id for a started step (a preflight with a runner is the `sources` row). */
const rowOf = (s: string) => {
  const [step, runner] = s.split(':');
  return step === 'preflight' && runner ? 'sources' : (step as string);
};

/** The started rows, each runner block collapsed, must come in table order. */
function expectTableOrder(started: string[]): void {
  const order = CONTAINER_ROWS.map((r) => r.id as string);
  const indices = started.map((s) => order.indexOf(rowOf(s)));
  expect(
    indices.every((i) => i >= 0),
    started.join(' '),
  ).toBe(true);
  // Within one runner, and across non-runner rows, the index never goes back.
  const runnerOf = (s: string) => s.split(':')[1];
  for (let i = 1; i < started.length; i++) {
    const [a, b] = [started[i - 1] as string, started[i] as string];
    const sameBlockRestart = runnerOf(a) !== undefined && runnerOf(b) !== undefined && runnerOf(a) !== runnerOf(b);
    if (!sameBlockRestart) expect(indices[i], `${a} → ${b}`).toBeGreaterThanOrEqual(indices[i - 1] as number);
  }
}

/** Every event a step emits while it runs (and right after it ends) is one its row lists. */
function expectEventsListed(events: Recorded[]): void {
  let current: string | undefined;
  for (const e of events) {
    if (e.name === 'step:start') {
      current = rowOf(e.payload['runner'] ? `${e.payload['step']}:${e.payload['runner']}` : String(e.payload['step']));
      continue;
    }
    if (e.name === 'container:end' || current === undefined) continue;
    const row = CONTAINER_ROWS.find((r) => r.id === current);
    expect(row?.emits, `${e.name} during ${current}`).toContain(e.name as LifecycleEventName);
  }
}

async function walk(c: PipelineCase) {
  const report = await c.run();
  const started = c.started();
  expectTableOrder(started);
  expectEventsListed(c.events);
  return { report, started };
}

describe('the pipeline walks the lifecycle table', () => {
  it('success: every row in table order, runner rows as blocks', async () => {
    const { report, started } = await walk(await full());
    expect(started).toEqual([
      'preflight',
      'detect:os',
      'check:os',
      'plan:os',
      'detect:app',
      'check:app',
      'plan:app',
      'backup',
      'pre-update',
      'apply:os',
      'apply:app',
      'post-update',
      'restart',
      'verify',
    ]);
    expect(report.outcome).toBe('updated');
    expect(report.error).toBeUndefined();
  });

  it('runs the source pre-flight row per runner when preflight.network is on and the runner lists sources', async () => {
    const os = Object.assign(fileRunner('os'), { sources: async () => [] });
    const c = await pipelineCase({
      runners: { os, app: fileRunner('app') },
      task: { preflight: { maxStorageUsedPercent: 95, network: true, networkTimeoutS: 1 } },
    });
    const { report, started } = await walk(c);
    expect(started.slice(0, 8)).toEqual([
      'preflight',
      'detect:os',
      'preflight:os',
      'check:os',
      'plan:os',
      'detect:app',
      'check:app',
      'plan:app',
    ]);
    expect(report.outcome).toBe('updated');
    expect(report.preflight?.storage).toEqual({ name: 'local-lvm', usedPercent: 10, limitPercent: 95 });
  });

  it('health checks: the baseline (probe row) runs before the backup; a check that regresses rolls back', async () => {
    const c = await pipelineCase({ probe: fileProbe, task: { healthChecks: [fileCheck('/pkg/os', '1.0\n')] } });
    const { report, started } = await walk(c);
    expect(started).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'baseline', 'backup', 'apply:os', 'verify', 'rollback']);
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { step: 'verify', code: 'E_HEALTH_FAILED' } });
    expect(report.health?.[0]).toMatchObject({
      name: 'file',
      baseline: { outcome: 'pass' },
      after: { outcome: 'fail' },
      verdict: 'regressed',
    });
    expect(c.host.files(VMID)['/pkg/os']).toBe('1.0\n');
  });

  it('detect fails: the container fails at detect, nothing after it runs', async () => {
    const { report, started } = await walk(await full({ runners: { os: fileRunner('os', { detect: 'throws' }), app: fileRunner('app') } }));
    expect(started).toEqual(['preflight', 'detect:os']);
    expect(report.outcome).toBe('failed');
    expect(report.error).toMatchObject({ step: 'detect', runner: 'os', code: 'E_EXEC_FAILED' });
  });

  it('a runner that does not apply fails the container after its detect ended (no step:fail)', async () => {
    const c = await full({ runners: { os: fileRunner('os'), app: fileRunner('app', { detect: 'not-applicable' }) } });
    const { report, started } = await walk(c);
    expect(started).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'detect:app']);
    expect(report.error).toMatchObject({ step: 'detect', runner: 'app', code: 'E_RUNNER_NOT_APPLICABLE' });
    expect(report.runners[1]).toMatchObject({ id: 'app', applicable: false, reason: 'app is not installed' });
    expect(c.events.filter((e) => e.name === 'step:fail')).toEqual([]);
  });

  it('check fails: retried once (read-only), then the container fails; nothing was changed', async () => {
    const app = fileRunner('app', { check: 'throws' });
    const c = await full({ runners: { os: fileRunner('os'), app } });
    const { report, started } = await walk(c);
    expect(started).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'detect:app', 'check:app']);
    expect((app as unknown as { checks: number }).checks).toBe(2);
    expect(report).toMatchObject({ outcome: 'failed', error: { step: 'check', runner: 'app', code: 'E_EXEC_FAILED' } });
    expect(c.host.ops('snapshot')).toEqual([]);
  });

  it('a check that fails once succeeds on its retry', async () => {
    const { report } = await walk(await full({ runners: { os: fileRunner('os', { check: 'throws-once' }) } }));
    expect(report.outcome).toBe('updated');
  });

  it('backup fails: the container fails at backup, nothing is applied', async () => {
    const c = await full();
    c.host.fail('snapshot', 'E_BACKUP_FAILED');
    const { report, started } = await walk(c);
    expect(started).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'detect:app', 'check:app', 'plan:app', 'backup']);
    expect(report).toMatchObject({ outcome: 'failed', error: { step: 'backup', code: 'E_BACKUP_FAILED' } });
  });

  it('pre-update hook fails: straight to rollback; no runner applies', async () => {
    const c = await full({ task: { hooks: { preUpdate: [{ argv: ['false'] }], postUpdate: [] } } });
    const { report, started } = await walk(c);
    expect(started.slice(7)).toEqual(['backup', 'pre-update', 'rollback']);
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { step: 'pre-update', code: 'E_HOOK_FAILED' } });
    expect(report.hooks?.preUpdate[0]).toMatchObject({ argv: ['false'], exitCode: 1, planned: false });
  });

  it('a critical runner fails to apply after a change: the rest is skipped and it is rolled back', async () => {
    const c = await full({ runners: { os: fileRunner('os', { apply: 'fails-after-change' }), app: fileRunner('app') } });
    const { report, started } = await walk(c);
    expect(started.slice(7)).toEqual(['backup', 'pre-update', 'apply:os', 'rollback']);
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { step: 'apply', runner: 'os', code: 'E_EXEC_FAILED' } });
  });

  it('a non-critical runner (rollback.critical) fails to apply: no rollback, the container fails', async () => {
    const c = await full({
      runners: { os: fileRunner('os'), app: fileRunner('app', { apply: 'fails-after-change' }) },
      task: { rollback: { onFailure: true, critical: ['os'], onInterrupt: 'rollback' } },
    });
    const { report, started } = await walk(c);
    expect(started.slice(7)).toEqual(['backup', 'pre-update', 'apply:os', 'apply:app']);
    expect(report).toMatchObject({ outcome: 'failed', error: { step: 'apply', runner: 'app' } });
    expect(report.rollback).toBeUndefined();
  });

  it('verify fails (an update still pending): rolled back', async () => {
    const c = await full({ runners: { os: fileRunner('os'), app: fileRunner('app', { apply: 'changes-nothing' }) } });
    const { report, started } = await walk(c);
    expect(started.slice(7)).toEqual(['backup', 'pre-update', 'apply:os', 'apply:app', 'post-update', 'restart', 'verify', 'rollback']);
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { step: 'verify', runner: 'app', code: 'E_VERIFY_FAILED' } });
  });

  it('restart fails: verify does not run; rolled back', async () => {
    const c = await full({ task: { restart: { units: ['broken'], when: 'always', waitActiveMs: 1000 } } });
    const { report, started } = await walk(c);
    expect(started.slice(7)).toEqual(['backup', 'pre-update', 'apply:os', 'apply:app', 'post-update', 'restart', 'rollback']);
    expect(report).toMatchObject({ outcome: 'rolled-back', error: { step: 'restart', code: 'E_EXEC_FAILED' } });
    expect(report.restart?.units[0]?.unit).toBe('broken');
  });

  it('rollback disabled (rollback.on_failure: false): a failure ends the container without the rollback row', async () => {
    const c = await full({
      runners: { os: fileRunner('os', { apply: 'fails-after-change' }) },
      task: { rollback: { onFailure: false, onInterrupt: 'rollback' } },
    });
    const { report, started } = await walk(c);
    expect(started).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'backup', 'pre-update', 'apply:os']);
    expect(report.outcome).toBe('failed');
  });

  it('the rollback itself fails: the container fails at rollback', async () => {
    const c = await full({ runners: { os: fileRunner('os', { apply: 'fails-after-change' }) } });
    c.host.fail('rollback', 'E_ROLLBACK_FAILED');
    const { report, started } = await walk(c);
    expect(started.slice(-2)).toEqual(['apply:os', 'rollback']);
    expect(report).toMatchObject({ outcome: 'failed', error: { step: 'rollback', code: 'E_ROLLBACK_FAILED' } });
    expect(report.rollback?.error).toMatch(/injected rollback failure/);
  });

  it('nothing to update: the walk stops after plan', async () => {
    const c = await full();
    for (const id of ['os', 'app']) c.host.container(VMID).files.set(`/staged/${id}`, '1.0\n');
    const { report, started } = await walk(c);
    expect(started).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'detect:app', 'check:app', 'plan:app']);
    expect(report.outcome).toBe('nothing-to-do');
  });

  it('restart.when: changed and nothing changed: the restart row does not run and says why', async () => {
    const c = await full({ runners: { os: fileRunner('os', { apply: 'changes-nothing' }) } });
    c.runners['os'] = Object.assign(c.runners['os'] as object, {
      apply: async () => ({ changed: [], steps: [] }),
      check: async () => ({ updates: [{ name: 'os', from: '1.0', to: '2.0' }], withheld: [] }),
    }) as never;
    const { report, started } = await walk(c);
    expect(started).not.toContain('restart');
    expect(report.restart?.skipped).toBe('the update changed nothing (restart.when: changed)');
  });

  it('dry-run: only the read-only rows run; the plan lists the backup, hooks, commands and restarts', async () => {
    const c = await full({ task: { dryRun: true } });
    const { report, started } = await walk(c);
    expect(started).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'detect:app', 'check:app', 'plan:app']);
    expect(report.outcome).toBe('planned');
    expect(report.backup).toEqual({
      kind: 'snapshot',
      planned: true,
      name: 'unrot-20261202-143000-abc123',
      hostArgv: [
        'pct',
        'snapshot',
        '101',
        'unrot-20261202-143000-abc123',
        '--description',
        'unrot run 20261202T143000Z-abc123: before updating os, app',
      ],
    });
    expect(report.hooks).toEqual({
      preUpdate: [{ argv: ['true'], hostArgv: ['pct', 'exec', '101', '--', 'true'], planned: true }],
      postUpdate: [{ argv: ['echo', 'done'], hostArgv: ['pct', 'exec', '101', '--', 'echo', 'done'], planned: true }],
    });
    expect(report.restart).toMatchObject({ planned: true, units: [{ unit: 'web', argv: ['systemctl', 'restart', 'web'] }] });
    // 2 planned copies + 2 hooks + 1 restart
    expect(report.changingCommands).toBe(5);
    expect(c.host.ops('snapshot')).toEqual([]);
    expect(c.host.files(VMID)['/pkg/os']).toBe('1.0\n');
    expect(c.host.ops('exec').every((call) => ['test', 'cat'].includes(call.argv?.[0] ?? ''))).toBe(true);
  });
});
