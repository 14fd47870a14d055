import { LIFECYCLE_STEPS } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import type { ContainerTask } from '../../src/lifecycle/container-task.js';
import { CONTAINER_ROWS, containerDeadlineMs, LIFECYCLE } from '../../src/lifecycle/step-table.js';

describe('the lifecycle table', () => {
  it('lists every SDK step, in pipeline order (the per-runner source pre-flight is a second preflight row)', () => {
    const steps = LIFECYCLE.map((s) => s.step).filter((step, i, all) => all.indexOf(step) === i);
    expect(steps).toEqual([...LIFECYCLE_STEPS]);
    expect(LIFECYCLE.map((s) => s.id)).toEqual([
      'resolve',
      'preflight',
      'detect',
      'sources',
      'check',
      'plan',
      'baseline',
      'backup',
      'pre-update',
      'paths-before',
      'apply',
      'paths-after',
      'post-update',
      'restart',
      'verify',
      'rollback',
      'report',
    ]);
    expect(LIFECYCLE.find((s) => s.id === 'sources')?.step).toBe('preflight');
  });

  it('runs only read-only steps in dry-run; the changing ones are planned, rollback is not', () => {
    expect(LIFECYCLE.filter((s) => s.runsInDryRun).map((s) => s.id)).toEqual([
      'resolve',
      'preflight',
      'detect',
      'sources',
      'check',
      'plan',
      'report',
    ]);
    expect(LIFECYCLE.filter((s) => s.inPlan).map((s) => s.id)).toEqual([
      'backup',
      'pre-update',
      'paths-before',
      'apply',
      'post-update',
      'restart',
    ]);
    for (const s of LIFECYCLE.filter((x) => x.inPlan)) expect(s.runsInDryRun, s.id).toBe(false);
  });

  it('hands a failed hook, apply, restart or verification to the rollback row, which runs only after a failure', () => {
    expect(LIFECYCLE.filter((s) => s.onFailure === 'rollback').map((s) => s.id)).toEqual([
      'pre-update',
      'paths-before',
      'apply',
      'paths-after',
      'post-update',
      'restart',
      'verify',
    ]);
    expect(LIFECYCLE.filter((s) => s.phase === 'on-failure').map((s) => s.id)).toEqual(['rollback']);
    const at = (id: string) => LIFECYCLE.findIndex((s) => s.id === id);
    expect(at('backup')).toBeLessThan(at('apply'));
    // Hooks run after the backup exists, so their failure can always be rolled back.
    expect(at('backup')).toBeLessThan(at('pre-update'));
  });

  it('journals every changing step before it runs, and checks the kill switch only before the first change', () => {
    expect(LIFECYCLE.filter((s) => s.journal).map((s) => [s.id, s.journal])).toEqual([
      ['backup', 'backup'],
      ['pre-update', 'apply'],
      ['apply', 'apply'],
      ['verify', 'verify'],
      ['rollback', 'rollback'],
    ]);
    const lastSafe = Math.max(...LIFECYCLE.map((s, i) => (s.safePoint ? i : -1)));
    expect(LIFECYCLE[lastSafe]?.id).toBe('apply');
  });

  it('retries only read-only steps', () => {
    expect(LIFECYCLE.filter((s) => s.retryable).map((s) => s.step)).toEqual(['check']);
    expect(LIFECYCLE.find((s) => s.step === 'apply')?.retryable).toBe(false);
  });

  it('gives every per-container step a timeout and a failure policy', () => {
    for (const s of CONTAINER_ROWS) {
      expect(s.timeout, s.id).toBeDefined();
      expect(['fail-container', 'rollback']).toContain(s.onFailure);
      expect(s.emits, s.id).toEqual(expect.arrayContaining(['step:start', 'step:end', 'step:fail']));
    }
  });
});

describe('containerDeadlineMs', () => {
  const task = (extra: Partial<ContainerTask> = {}): ContainerTask => ({
    runId: '20261202T143000Z-abc123',
    dryRun: false,
    container: { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false },
    runners: [
      { id: 'apt', modulePath: '/x', options: {} },
      { id: 'npm', modulePath: '/y', options: {} },
    ],
    exclusions: [],
    timeoutsMs: {
      preflight: 1,
      detect: 10,
      check: 100,
      plan: 1_000,
      backup: 10_000,
      apply: 100_000,
      verify: 1_000_000,
      rollback: 10_000_000,
    },
    retries: 1,
    stateDir: '/nonexistent',
    backup: { mode: 'snapshot', onUnsupported: 'skip', keep: 3, vzdumpStorage: 'local', vzdumpMode: 'snapshot', vzdumpCompress: 'zstd' },
    rollback: { onFailure: true, onInterrupt: 'rollback' },
    ...extra,
  });

  it('sums the limits of every row that can run: runner rows per runner, check with its retries', () => {
    // preflight + 2 × (detect + 2 × check + plan + apply) + backup + verify + rollback + 30 s margin
    expect(containerDeadlineMs(task())).toBe(1 + 2 * (10 + 200 + 1_000 + 100_000) + 10_000 + 1_000_000 + 10_000_000 + 30_000);
  });

  it('adds the hooks, the restart, the baseline and the source pre-flight when the task has them', () => {
    const base = containerDeadlineMs(task());
    const withHooks = task({ hooks: { preUpdate: [{ argv: ['true'] }], postUpdate: [{ argv: ['true'] }] } });
    expect(containerDeadlineMs(withHooks) - base).toBe(2 * 100_000);
    const withRestart = task({ restart: { units: ['nginx'], when: 'changed', waitActiveMs: 1000 } });
    expect(containerDeadlineMs(withRestart) - base).toBe(1_000_000);
    const withNetwork = task({ preflight: { maxStorageUsedPercent: 90, network: true, networkTimeoutS: 5 } });
    expect(containerDeadlineMs(withNetwork) - base).toBe(2 * 1);
  });

  it('leaves out backup and rollback when there is no backup, and rollback when it is disabled', () => {
    const none = task({ backup: { ...task().backup, mode: 'none' } });
    expect(containerDeadlineMs(task()) - containerDeadlineMs(none)).toBe(10_000 + 10_000_000);
    const noRollback = task({ rollback: { onFailure: false, onInterrupt: 'rollback' } });
    expect(containerDeadlineMs(task()) - containerDeadlineMs(noRollback)).toBe(10_000_000);
  });
});
