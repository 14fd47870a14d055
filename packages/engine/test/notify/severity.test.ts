import { describe, expect, it } from 'vitest';
import { computeSeverity } from '../../src/notify/index.js';
import { ct, makeReport } from './report-fixtures.js';

describe('severity of a run', () => {
  it('success: everything updated, up to date or skipped for a reason', () => {
    const v = computeSeverity(makeReport([ct(101, 'updated'), ct(102, 'nothing-to-do'), ct(103, 'skipped', { skipReason: 'stopped' })]));
    expect(v).toEqual({ severity: 'success', reason: 'all 2 containers fine' });
  });

  it('success: no container ran at all', () => {
    expect(computeSeverity(makeReport([ct(101, 'skipped', { skipReason: 'not-matched' })])).severity).toBe('success');
  });

  it('degraded: some, not all, containers that ran failed', () => {
    const v = computeSeverity(makeReport([ct(101, 'updated'), ct(102, 'failed'), ct(103, 'nothing-to-do'), ct(104, 'skipped')]));
    expect(v).toEqual({ severity: 'degraded', reason: '1 of 3 containers failed' });
  });

  it('degraded: nothing failed, but a skip needs attention (exit 6 is not "the run itself failed")', () => {
    const v = computeSeverity(
      makeReport([ct(101, 'updated'), ct(102, 'skipped', { skipReason: 'unreachable' }), ct(103, 'skipped', { skipReason: 'stopped' })], {
        exitCode: 6,
      }),
    );
    expect(v).toEqual({ severity: 'degraded', reason: 'needs attention: CT 102 unreachable' });
  });

  it("degraded: a recovery that found unrot's own lock, with every container fine", () => {
    const report = makeReport([ct(101, 'updated')], {
      exitCode: 6,
      recoveries: [
        {
          vmid: 102,
          runId: '20261126T021500Z-3fa9c2',
          step: 'backup',
          action: 'none',
          detail: 'locked',
          lock: 'snapshot',
          attention: true,
        },
      ],
    });
    expect(computeSeverity(report)).toMatchObject({ severity: 'degraded' });
  });

  it('failure: every container that ran failed (skipped ones do not count)', () => {
    const v = computeSeverity(makeReport([ct(101, 'failed'), ct(102, 'failed'), ct(103, 'skipped', { skipReason: 'locked' })]));
    expect(v).toEqual({ severity: 'failure', reason: 'every container that ran failed (2 of 2)' });
  });

  it('failure: any container rolled back, even when others updated', () => {
    const rolled = ct(102, 'rolled-back', {
      rollback: { reason: 'E_VERIFY_FAILED: http probe', kind: 'snapshot', to: 'unrot-20261126T021500Z', running: true, durationMs: 4000 },
    });
    const v = computeSeverity(makeReport([ct(101, 'updated'), rolled, ct(103, 'updated')]));
    expect(v).toEqual({ severity: 'failure', reason: '1 container was rolled back' });
  });

  for (const exitCode of [2, 3, 4, 70]) {
    it(`failure: the run itself ended with exit code ${exitCode}`, () => {
      const v = computeSeverity(makeReport([ct(101, 'updated')], { exitCode }));
      expect(v.severity).toBe('failure');
      expect(v.reason).toContain(`exit code ${exitCode}`);
    });
  }
});
