import { describe, expect, it } from 'vitest';
import { gate } from '../../src/health/gate.js';

describe('gate', () => {
  it('blames the update only for a check that worked before and fails after', () => {
    expect(gate('pass', 'fail')).toMatchObject({ verdict: 'regressed', rollback: true });
    expect(gate('warn', 'fail')).toMatchObject({ verdict: 'regressed', rollback: true });
    expect(gate(undefined, 'fail')).toEqual({ verdict: 'regressed', rollback: true, reason: 'fails after the update (no baseline)' });
  });

  it('a check failing before the update is pre-existing and keeps the update unless the policy says otherwise', () => {
    expect(gate('fail', 'fail')).toEqual({ verdict: 'pre-existing', rollback: false, reason: 'failing before the update too' });
    expect(gate('fail', 'fail', { pre_existing: 'rollback' })).toMatchObject({ verdict: 'pre-existing', rollback: true });
  });

  it('pass or warn after the update is healthy; on_warn: rollback turns a new warning into a regression', () => {
    for (const before of ['pass', 'warn', 'fail', undefined] as const) {
      expect(gate(before, 'pass')).toMatchObject({ verdict: 'healthy', rollback: false });
      expect(gate(before, 'warn')).toMatchObject({ verdict: 'healthy', rollback: false });
    }
    expect(gate('pass', 'warn', { on_warn: 'rollback' })).toMatchObject({ verdict: 'regressed', rollback: true });
    expect(gate(undefined, 'warn', { on_warn: 'rollback' })).toMatchObject({ verdict: 'regressed', rollback: true });
    // It warned before the update as well: not the update's doing.
    expect(gate('warn', 'warn', { on_warn: 'rollback' })).toMatchObject({ verdict: 'healthy', rollback: false });
    expect(gate('fail', 'pass').reason).toBe('failing before the update, passes after');
  });

  it('a check whose recent baselines were flaky or failing is not blamed for failing after the update (gate.unreliable)', () => {
    for (const history of ['flaky', 'failing'] as const) {
      expect(gate('pass', 'fail', {}, history)).toEqual({
        verdict: 'pre-existing',
        rollback: false,
        reason: `fails after the update, but its recent baselines were ${history}: not blamed on the update (gate.unreliable: ignore)`,
      });
      expect(gate(undefined, 'fail', { unreliable: 'rollback' }, history)).toMatchObject({ verdict: 'regressed', rollback: true });
      expect(gate('pass', 'warn', { on_warn: 'rollback' }, history)).toMatchObject({ verdict: 'healthy', rollback: false });
    }
    expect(gate('pass', 'fail', { unreliable: 'rollback' }, 'flaky').reason).toBe(
      'was pass before the update, fails after; recent baselines flaky, gate.unreliable: rollback',
    );
    // Stable or too little history: a failure after the update is the update's.
    for (const history of ['stable', 'unknown'] as const)
      expect(gate('pass', 'fail', {}, history)).toEqual({
        verdict: 'regressed',
        rollback: true,
        reason: 'was pass before the update, fails after',
      });
    // Failing before the update too stays pre-existing, whatever the history.
    expect(gate('fail', 'fail', {}, 'flaky')).toMatchObject({ verdict: 'pre-existing', reason: 'failing before the update too' });
  });
});
