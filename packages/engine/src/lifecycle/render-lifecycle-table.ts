import { LIFECYCLE } from './step-table.js';

/** The lifecycle table as markdown, for docs/design.md (a test keeps the doc in sync with the code). */
export function renderLifecycleTable(): string {
  const rows = LIFECYCLE.map(
    (s) =>
      `| ${s.step} | ${s.scope} | ${s.runsInDryRun ? 'yes' : 'no'} | ${s.retryable ? 'yes' : 'no'} | ${s.timeout ? `\`timeouts.${s.timeout}\`` : '—'} | ${s.onFailure} | ${s.emits.map((e) => `\`${e}\``).join(', ')} |`,
  );
  return ['| step | scope | runs in dry-run | retried | time limit | on failure | emits |', '|---|---|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}
