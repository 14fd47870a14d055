import type { HistoryClass } from './baseline-store.js';
import type { HealthGatePolicy } from './policy-schema.js';
import type { HealthOutcome } from './schedule.js';

export type HealthVerdict = 'healthy' | 'pre-existing' | 'regressed';

export interface GateDecision {
  verdict: HealthVerdict;
  rollback: boolean;
  reason: string;
}

/** What the gate reads of a check's policy; keys left out mean their defaults (ignore). */
export type GatePolicy = Partial<Pick<HealthGatePolicy, 'pre_existing' | 'on_warn' | 'unreliable'>>;

/**
 * Compares a check's outcome before the update (the baseline) with after it. Only a check
 * that worked before and fails after is blamed on the update. No baseline (the check could
 * not run before) counts as a pass, so a failure after still rolls back.
 *
 * `history` is how the check's recent baselines classify (classifyHistory). A check whose
 * baselines were `flaky` (attempts often fail while nothing changes) or `failing` proves little
 * by failing once more after the update: like a pre-existing failure, it keeps the update
 * unless `gate.unreliable: rollback`. `stable` and `unknown` (too little history) change nothing.
 */
export function gate(
  baseline: HealthOutcome | undefined,
  after: HealthOutcome,
  policy: GatePolicy = {},
  history: HistoryClass = 'unknown',
): GateDecision {
  const preExisting = policy.pre_existing ?? 'ignore';
  const onWarn = policy.on_warn ?? 'ignore';
  const unreliable = history === 'flaky' || history === 'failing';
  const keepUnreliable = unreliable && (policy.unreliable ?? 'ignore') === 'ignore';
  if (after === 'fail') {
    if (baseline === 'fail')
      return {
        verdict: 'pre-existing',
        rollback: preExisting === 'rollback',
        reason: `failing before the update too${preExisting === 'rollback' ? '; gate.pre_existing: rollback' : ''}`,
      };
    if (keepUnreliable)
      return {
        verdict: 'pre-existing',
        rollback: false,
        reason: `fails after the update, but its recent baselines were ${history}: not blamed on the update (gate.unreliable: ignore)`,
      };
    const was = baseline === undefined ? 'fails after the update (no baseline)' : `was ${baseline} before the update, fails after`;
    return {
      verdict: 'regressed',
      rollback: true,
      reason: unreliable ? `${was}; recent baselines ${history}, gate.unreliable: rollback` : was,
    };
  }
  if (after === 'warn' && onWarn === 'rollback' && baseline !== 'warn' && baseline !== 'fail') {
    if (keepUnreliable)
      return {
        verdict: 'healthy',
        rollback: false,
        reason: `warn after the update; its recent baselines were ${history} (gate.unreliable: ignore)`,
      };
    return { verdict: 'regressed', rollback: true, reason: 'passes only with warnings after the update; gate.on_warn: rollback' };
  }
  return {
    verdict: 'healthy',
    rollback: false,
    reason: baseline === 'fail' ? 'failing before the update, passes after' : `${after} after the update`,
  };
}
