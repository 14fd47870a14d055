import type { TSchema } from '@sinclair/typebox';
import { type Runner, silentLogger, UnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { type ContainerTask, containerDeadlineMs, runContainerPipeline } from '../../src/lifecycle/container-pipeline.js';
import type { CapClient } from '../../src/lifecycle/container-task.js';
import { fileRunner, type PipelineCase, pipelineCase } from './memory-pipeline.js';

// Per-runner caps inside one pipeline (issue 17, point 4): a runner's own time limits and
// retries (policy runner_limits), and the points where the walker asks the fleet caps
// (global concurrency:) for their keys and gives them back.

/** A check that never answers (a registry that accepts the connection and then says nothing). */
function hangingCheck(id: string): Runner<TSchema> {
  return { ...fileRunner(id), check: () => new Promise(() => {}) } as unknown as Runner<TSchema>;
}

/** Every cap call the pipeline makes, interleaved with the steps it starts, in order. */
function recordingCaps(trail: string[], waitedMs = 0): CapClient {
  return {
    async acquire(keys) {
      trail.push(`acquire ${keys.join(',')}`);
      return { waitedMs };
    },
    release(keys) {
      trail.push(`release ${keys.join(',')}`);
    },
  };
}

async function runWithCaps(c: PipelineCase, caps: CapClient, trail: string[]) {
  return runContainerPipeline(c.task, {
    host: c.host,
    loadRunner: async (id) => {
      const runner = c.runners[id];
      if (!runner) throw new UnrotError('E_PLUGIN_LOAD', `no runner ${id}`);
      return runner;
    },
    emit: (name, payload) => {
      const p = payload as Record<string, unknown>;
      if (name === 'step:start') trail.push(p['runner'] ? `${p['step']}:${p['runner']}` : String(p['step']));
    },
    log: silentLogger,
    signal: new AbortController().signal,
    caps,
  });
}

const runnerIds = (c: PipelineCase) => c.task.runners.map((r) => r.id);
const withLimits = (task: ContainerTask, limits: Record<string, Partial<ContainerTask['runners'][number]>>): ContainerTask['runners'] =>
  task.runners.map((r) => ({ ...r, ...limits[r.id] }));

describe('runner_limits: a runner’s own timeouts', () => {
  it('a runner’s own check limit fires E_STEP_TIMEOUT naming that runner; the other runner keeps the step limit', async () => {
    const c = await pipelineCase({ runners: { os: fileRunner('os'), npm: hangingCheck('npm') } });
    c.task.runners = withLimits(c.task, { npm: { timeoutsMs: { check: 80 } } });
    c.task.retries = 0;
    const t0 = Date.now();
    const report = await c.run();
    // Well under the 5 s step limit every other runner gets.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(report.outcome).toBe('failed');
    expect(report.error).toMatchObject({ step: 'check', runner: 'npm', code: 'E_STEP_TIMEOUT' });
    expect(report.error?.message).toMatch(/check \(npm\) on CT 101 exceeded its timeout/);
    expect(report.runners.find((r) => r.id === 'os')?.updates).toHaveLength(1);
    expect(runnerIds(c)).toEqual(['os', 'npm']);
  });

  it('the container deadline sums each runner at its own limits and attempts', async () => {
    const c = await pipelineCase({ runners: { os: fileRunner('os'), npm: fileRunner('npm') } });
    const base = containerDeadlineMs(c.task);
    // npm: check 60 s with 3 retries (4 attempts) instead of 5 s with 1 retry (2 attempts); apply 20 s instead of 5 s.
    const limited = { ...c.task, runners: withLimits(c.task, { npm: { timeoutsMs: { check: 60_000, apply: 20_000 }, retries: 3 } }) };
    expect(containerDeadlineMs(limited) - base).toBe(60_000 * 4 - 5000 * 2 + (20_000 - 5000));
  });
});

describe('runner_limits: a runner’s own retries', () => {
  it('a flaky check is retried for the runner with retries, while the step-wide retries: 0 fails another', async () => {
    const ok = await pipelineCase({ runners: { npm: fileRunner('npm', { check: 'throws-once' }) }, task: { retries: 0 } });
    ok.task.runners = withLimits(ok.task, { npm: { retries: 2 } });
    const report = await ok.run();
    expect(report.outcome).toBe('updated');
    // Two attempts in check (the first failed), then verify's re-check.
    expect((ok.runners['npm'] as unknown as { checks: number }).checks).toBe(3);

    const plain = await pipelineCase({ runners: { pip: fileRunner('pip', { check: 'throws-once' }) }, task: { retries: 0 } });
    const failed = await plain.run();
    expect(failed).toMatchObject({ outcome: 'failed', error: { step: 'check', runner: 'pip', code: 'E_EXEC_FAILED' } });
    expect((plain.runners['pip'] as unknown as { checks: number }).checks).toBe(1);
  });
});

describe('fleet caps inside the walk', () => {
  it('the runner caps are taken before the snapshot and given back after the last apply; the storage cap only around the snapshot', async () => {
    const c = await pipelineCase({
      runners: { os: fileRunner('os'), npm: fileRunner('npm') },
      task: { capKeys: ['runner:npm', 'storage:local-lvm'], hooks: { preUpdate: [{ argv: ['true'] }], postUpdate: [{ argv: ['true'] }] } },
    });
    const trail: string[] = [];
    const report = await runWithCaps(c, recordingCaps(trail), trail);
    expect(report.outcome).toBe('updated');
    const from = trail.indexOf('acquire runner:npm');
    expect(trail.slice(from)).toEqual([
      'acquire runner:npm',
      'acquire storage:local-lvm',
      'backup',
      'release storage:local-lvm',
      'pre-update',
      'apply:os',
      'apply:npm',
      'release runner:npm',
      'post-update',
      'verify',
    ]);
    // Read-only steps never wait for a cap.
    expect(trail.slice(0, from).every((s) => !s.startsWith('acquire'))).toBe(true);
  });

  it('a wait is reported (capWaits), never a failure; an uncapped or not pending runner asks for nothing', async () => {
    const c = await pipelineCase({
      runners: { os: fileRunner('os'), npm: fileRunner('npm') },
      task: { capKeys: ['runner:npm', 'runner:pip'], backup: { ...(await pipelineCase()).task.backup, mode: 'none' } },
    });
    // npm has nothing to update: its key is not asked for.
    c.host.container(101).files.set('/staged/npm', '1.0\n');
    const trail: string[] = [];
    const report = await runWithCaps(c, recordingCaps(trail, 1234), trail);
    expect(report.outcome).toBe('updated');
    expect(trail.filter((s) => s.startsWith('acquire'))).toEqual([]);

    const d = await pipelineCase({ runners: { npm: fileRunner('npm') }, task: { capKeys: ['runner:npm'] } });
    const dTrail: string[] = [];
    const waited = await runWithCaps(d, recordingCaps(dTrail, 1234), dTrail);
    expect(waited.outcome).toBe('updated');
    expect(waited.capWaits).toEqual([{ caps: ['runner:npm'], step: 'backup', waitedMs: 1234 }]);
  });

  it('caps given back when the apply fails, before the rollback', async () => {
    const c = await pipelineCase({
      runners: { npm: fileRunner('npm', { apply: 'fails-after-change' }) },
      task: { capKeys: ['runner:npm'] },
    });
    const trail: string[] = [];
    const report = await runWithCaps(c, recordingCaps(trail), trail);
    expect(report.outcome).toBe('rolled-back');
    expect(trail.indexOf('release runner:npm')).toBeLessThan(trail.indexOf('rollback'));
    expect(trail.filter((s) => s === 'release runner:npm')).toHaveLength(1);
  });

  it('a plan asks for no cap', async () => {
    const c = await pipelineCase({
      runners: { npm: fileRunner('npm') },
      task: { dryRun: true, capKeys: ['runner:npm', 'storage:local-lvm'] },
    });
    const trail: string[] = [];
    const report = await runWithCaps(c, recordingCaps(trail), trail);
    expect(report.outcome).toBe('planned');
    expect(trail.filter((s) => s.startsWith('acquire'))).toEqual([]);
  });
});
