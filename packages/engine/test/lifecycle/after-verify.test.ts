import type { TSchema } from '@sinclair/typebox';
import { type Runner, UnrotError, type Update } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { fileCheck, fileProbe, fileRunner, pipelineCase } from './memory-pipeline.js';

// Runner.afterVerify (SDK 1.2): clean-up a runner keeps until the update is verified (e.g.
// runner-docker's old images). The engine calls it in one place, at the end of verify.

interface Call {
  changed: readonly Update[];
  dryRunExec: boolean;
}

function withAfterVerify(runner: Runner<TSchema>, calls: Call[], fails = false): Runner<TSchema> {
  return {
    ...runner,
    async afterVerify(ctx, applied) {
      // A changing command is allowed here (the context is the apply step's kind).
      const r = await ctx.exec.change(['true']);
      calls.push({ changed: applied.changed, dryRunExec: r.dryRun });
      if (fails) throw new UnrotError('E_EXEC_FAILED', 'docker image rm failed');
    },
  };
}

describe('Runner.afterVerify', () => {
  it('runs once after verify passed, with what apply changed, and may change the container', async () => {
    const calls: Call[] = [];
    const c = await pipelineCase({
      runners: { os: fileRunner('os'), app: withAfterVerify(fileRunner('app'), calls) },
      probe: fileProbe,
      task: { healthChecks: [fileCheck('/staged/os', '2.0\n')] },
    });
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    expect(calls).toEqual([{ changed: [{ name: 'app', from: '1.0', to: '2.0' }], dryRunExec: false }]);
    // Called inside verify, after the health gate: nothing ran after it (no rollback).
    expect(c.started().at(-1)).toBe('verify');
  });

  it('is not called when verify fails: the update is rolled back and nothing is cleaned up', async () => {
    const calls: Call[] = [];
    const c = await pipelineCase({
      runners: { os: fileRunner('os'), app: withAfterVerify(fileRunner('app'), calls) },
      probe: fileProbe,
      // Passes before the update, fails after it: verify fails.
      task: { healthChecks: [fileCheck('/pkg/os', '1.0\n')] },
    });
    const report = await c.run();
    expect(report.outcome).toBe('rolled-back');
    expect(calls).toEqual([]);
  });

  it('a failure only warns: the verified update stays', async () => {
    const calls: Call[] = [];
    const c = await pipelineCase({ runners: { app: withAfterVerify(fileRunner('app'), calls, true) } });
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    expect(report.rollback).toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('is never called in dry-run (plan)', async () => {
    const calls: Call[] = [];
    const c = await pipelineCase({ runners: { app: withAfterVerify(fileRunner('app'), calls) }, task: { dryRun: true } });
    const report = await c.run();
    expect(report.outcome).toBe('planned');
    expect(calls).toEqual([]);
  });
});
