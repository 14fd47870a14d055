import type { ContainerReport } from '../lifecycle/container-result.js';
import { WAVE_DEFAULTS, type WavePolicy } from '../policy/rollout-schema.js';

/** Outcomes of containers whose pipeline ran (the ratio's denominator). */
const RAN = new Set(['updated', 'nothing-to-do', 'planned', 'failed', 'rolled-back']);

export interface WaveTally {
  ran: number;
  failed: number;
  rolledBack: number;
}

export function tallyWave(reports: readonly ContainerReport[]): WaveTally {
  const ran = reports.filter((r) => RAN.has(r.outcome));
  return {
    ran: ran.length,
    // A rolled-back container failed its update too; rollbacks are also counted alone for halt_on_rollback.
    failed: ran.filter((r) => r.outcome === 'failed' || r.outcome === 'rolled-back').length,
    rolledBack: ran.filter((r) => r.outcome === 'rolled-back').length,
  };
}

/** Which stop condition of the wave its results meet, as a sentence for the report; undefined: the next wave may start. */
export function stopConditionMet(wave: WavePolicy, tally: WaveTally): string | undefined {
  const haltOnRollback = wave.halt_on_rollback ?? WAVE_DEFAULTS.halt_on_rollback;
  if (haltOnRollback && tally.rolledBack > 0)
    return `wave '${wave.name}': ${tally.rolledBack} container${tally.rolledBack === 1 ? ' was' : 's were'} rolled back (halt_on_rollback)`;
  // With only a ratio configured, the count is not checked (else its default 0 would make the ratio moot).
  const maxFailures = wave.max_failures ?? (wave.max_failure_ratio === undefined ? WAVE_DEFAULTS.max_failures : undefined);
  if (maxFailures !== undefined && tally.failed > maxFailures)
    return `wave '${wave.name}': ${tally.failed} of ${tally.ran} containers failed, more than max_failures ${maxFailures}`;
  if (wave.max_failure_ratio !== undefined && tally.ran > 0 && tally.failed / tally.ran > wave.max_failure_ratio)
    return `wave '${wave.name}': ${tally.failed} of ${tally.ran} containers failed, a ratio above max_failure_ratio ${wave.max_failure_ratio}`;
  return undefined;
}
