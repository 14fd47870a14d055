// Markdown pages of the evidence bundle: index.md (the checklist) and summary.md (the counts).

const MARK = {
  pass: '✅ pass',
  fail: '❌ fail',
  partial: '◐ partial',
  'not run': '— not run',
  gap: '⚠ gap',
  'in progress': '… in progress',
};

/** A table cell: one line, no pipe of its own. @param {unknown} s */
const cell = (s) =>
  String(s)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');

/** @param {import('./summarise.mjs').Counts} c */
const counts = (c) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;

/** @param {import('./summarise.mjs').ChecklistEntry[]} entries */
export function tallyChecklist(entries) {
  /** @type {Record<string, number>} */
  const tally = {};
  for (const e of entries) tally[e.result] = (tally[e.result] ?? 0) + 1;
  return tally;
}

/**
 * @param {{
 *   title: string,
 *   entries: import('./summarise.mjs').ChecklistEntry[],
 *   summary: ReturnType<typeof import('./summarise.mjs').summarise>,
 *   facts: Record<string, unknown>,
 *   files: Array<{ path: string, what: string }>,
 * }} bundle
 */
export function renderIndex({ title, entries, summary, facts, files }) {
  const tally = tallyChecklist(entries);
  const lines = [
    `# ${title}`,
    '',
    `Tests: ${counts(summary.total)} in ${summary.files} files. Checklist: ${Object.entries(tally)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}.`,
    '',
    '| fact | value |',
    '|---|---|',
    ...Object.entries(facts).map(([k, v]) => `| ${cell(k)} | ${cell(typeof v === 'string' ? v : JSON.stringify(v))} |`),
    '',
    '## The smug checklist (docs/test-plan.md)',
    '',
    'pass: every test named for the item ran and passed; partial: what ran passed, the rest was not',
    'in this run (see "not in this run"); not run: none of it ran; gap and in progress come from the plan.',
    '',
    '| id | scope item | kind | result | tests | not in this run / failures |',
    '|---|---|---|---|---|---|',
  ];
  let section = '';
  for (const e of entries) {
    if (e.row.section !== section) {
      section = e.row.section;
      lines.push(`| | **${cell(section)}** | | | | |`);
    }
    const notes = e.result === 'not run' ? 'none of its tests ran' : [...e.failures.map((f) => `failed: ${f}`), ...e.missing].join('; ');
    const tests = e.row.status === 'proved' ? counts(e.counts) : '';
    lines.push(`| ${e.row.id} | ${cell(e.row.item)} | ${cell(e.row.kind)} | ${MARK[e.result]} | ${tests} | ${cell(notes)} |`);
  }
  lines.push('', '## Files', '', ...files.map((f) => `- [\`${f.path}\`](${f.path}): ${f.what}`), '');
  return lines.join('\n');
}

/** @param {ReturnType<typeof import('./summarise.mjs').summarise>} summary */
export function renderSummary(summary) {
  const lines = [
    '# Test summary',
    '',
    `${counts(summary.total)} in ${summary.files} files.`,
    '',
    '## Per project',
    '',
    '| project | files | passed | failed | skipped |',
    '|---|---|---|---|---|',
    ...Object.entries(summary.byProject).map(([p, c]) => `| ${p} | ${c.files} | ${c.passed} | ${c.failed} | ${c.skipped} |`),
    '',
    '## Slowest files',
    '',
    '| file | project | seconds |',
    '|---|---|---|',
    ...summary.slowest.map((f) => `| \`${f.file}\` | ${f.project} | ${(f.durationMs / 1000).toFixed(1)} |`),
    '',
    '## Per file',
    '',
    '| file | project | passed | failed | skipped | seconds |',
    '|---|---|---|---|---|---|',
    ...summary.byFile.map(
      (f) => `| \`${f.file}\` | ${f.project} | ${f.passed} | ${f.failed} | ${f.skipped} | ${(f.durationMs / 1000).toFixed(1)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
