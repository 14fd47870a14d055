import type { HealthGatePolicy } from './policy-schema.js';
import type { HealthOutcome } from './schedule.js';

export type HealthVerdict = 'healthy' | 'pre-existing' | 'regressed';

export interface GateDecision {
  verdict: HealthVerdict;
  rollback: boolean;
  reason: string;
}

/**
 * Compares a check's outcome before the update (the baseline) with after it. Only a check
 * that worked before and fails after is blamed on the update. No baseline (the check could
 * not run before) counts as a pass, so a failure after still rolls back.
 */
export function gate(baseline: HealthOutcome | undefined, after: HealthOutcome, policy: Partial<HealthGatePolicy> = {}): GateDecision {
  const preExisting = policy.pre_existing ?? 'ignore';
  const onWarn = policy.on_warn ?? 'ignore';
  if (after === 'fail') {
    if (baseline === 'fail')
      return {
        verdict: 'pre-existing',
        rollback: preExisting === 'rollback',
        reason: `failing before the update too${preExisting === 'rollback' ? '; gate.pre_existing: rollback' : ''}`,
      };
    return {
      verdict: 'regressed',
      rollback: true,
      reason: baseline === undefined ? 'fails after the update (no baseline)' : `was ${baseline} before the update, fails after`,
    };
  }
  if (after === 'warn' && onWarn === 'rollback' && baseline !== 'warn' && baseline !== 'fail')
    return { verdict: 'regressed', rollback: true, reason: 'passes only with warnings after the update; gate.on_warn: rollback' };
  return {
    verdict: 'healthy',
    rollback: false,
    reason: baseline === 'fail' ? 'failing before the update, passes after' : `${after} after the update`,
  };
}
