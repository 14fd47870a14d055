import { LIFECYCLE_STEPS } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { LIFECYCLE, stepsFor } from '../../src/lifecycle/step-table.js';

describe('the lifecycle table', () => {
  it('lists every SDK step once, in pipeline order', () => {
    expect(LIFECYCLE.map((s) => s.step)).toEqual([...LIFECYCLE_STEPS]);
  });

  it('runs only read-only steps in dry-run: no backup, apply, verify or rollback', () => {
    expect(stepsFor(true).map((s) => s.step)).toEqual(['resolve', 'preflight', 'detect', 'check', 'plan', 'report']);
    expect(stepsFor(false).map((s) => s.step)).toEqual([...LIFECYCLE_STEPS]);
  });

  it('hands a failed hook, apply, restart or verification to the rollback step', () => {
    expect(LIFECYCLE.filter((s) => s.onFailure === 'rollback').map((s) => s.step)).toEqual([
      'pre-update',
      'apply',
      'post-update',
      'restart',
      'verify',
    ]);
    expect(LIFECYCLE.findIndex((s) => s.step === 'backup')).toBeLessThan(LIFECYCLE.findIndex((s) => s.step === 'apply'));
    // Hooks run after the backup exists, so their failure can always be rolled back.
    expect(LIFECYCLE.findIndex((s) => s.step === 'backup')).toBeLessThan(LIFECYCLE.findIndex((s) => s.step === 'pre-update'));
  });

  it('retries only read-only steps', () => {
    const retryable = LIFECYCLE.filter((s) => s.retryable).map((s) => s.step);
    expect(retryable).toEqual(['check']);
    expect(LIFECYCLE.find((s) => s.step === 'apply')?.retryable).toBe(false);
  });

  it('gives every per-container step a timeout and a failure policy', () => {
    for (const s of LIFECYCLE.filter((x) => x.scope !== 'run')) {
      expect(s.timeout, s.step).toBeDefined();
      expect(['skip-container', 'fail-container', 'rollback']).toContain(s.onFailure);
    }
  });
});
