import { LIFECYCLE } from './step-table.js';

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
  ).map((r) => `| ${r} |`);
  return [
    '| step | scope | runs in dry-run | retried | time limit | runs when | before it | on failure | emits |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
