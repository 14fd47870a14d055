import { AFTER_WALK_ROWS } from './after-hooks.js';
import { LIFECYCLE } from './step-table.js';

// on_rollback / on_failure run after the walk, before the run's report: each hook under its own
// `timeout` (default `timeouts.apply`); a failure is a warning that never changes the outcome.
const afterWalkRows = AFTER_WALK_ROWS.map((r) =>
  [r.step, 'container', 'no (planned)', 'no', 'each hook: `timeout`, else `timeouts.apply`', r.when, '—', 'warning', '`exec`'].join(' | '),
);

/** The lifecycle table as markdown, for docs/design.md (a test keeps the doc in sync with the code). */
export function renderLifecycleTable(): string {
  const rows = LIFECYCLE.map((s) =>
    [
      s.id === s.step ? s.step : `${s.step} (${s.id})`,
      s.scope,
      s.runsInDryRun ? 'yes' : s.inPlan ? 'no (planned)' : 'no',
      s.retryable ? 'yes' : 'no',
      s.timeout ? `\`timeouts.${s.timeout}\`` : '—',
      s.phase === 'on-failure' ? `after a failure: ${s.when?.text ?? 'always'}` : (s.when?.text ?? 'always'),
      [s.safePoint ? 'kill switch' : '', s.journal ? `journal \`${s.journal}\`` : ''].filter(Boolean).join(', ') || '—',
      s.onFailure,
      s.emits.map((e) => `\`${e}\``).join(', '),
    ].join(' | '),
  );
  // Before the last row (the run's report).
  const all = [...rows.slice(0, -1), ...afterWalkRows, ...rows.slice(-1)].map((r) => `| ${r} |`);
  return [
    '| step | scope | runs in dry-run | retried | time limit | runs when | before it | on failure | emits |',
    '|---|---|---|---|---|---|---|---|---|',
    ...all,
  ].join('\n');
}
