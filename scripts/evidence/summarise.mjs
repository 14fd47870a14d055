// Pure summaries of a vitest JSON result (`--reporter=json`): counts per project and per file,
// the slowest files, and the test plan's checklist with each item's pass or fail.
import { relative, sep } from 'node:path';

/**
 * @typedef {{ fullName: string, title: string, status: string, duration?: number | null, failureMessages?: string[] }} VitestAssertion
 * @typedef {{ name: string, status: string, startTime?: number, endTime?: number, message?: string, assertionResults: VitestAssertion[] }} VitestFile
 * @typedef {{ startTime?: number, success?: boolean, testResults: VitestFile[] }} VitestResults
 * @typedef {{ passed: number, failed: number, skipped: number }} Counts
 * @typedef {Counts & { file: string, project: string, durationMs: number, status: string, message: string }} FileSummary
 * @typedef {import('./test-plan.mjs').PlanRow} PlanRow
 * @typedef {'pass' | 'fail' | 'partial' | 'not run' | 'gap' | 'in progress'} CheckResult
 * @typedef {{ row: PlanRow, result: CheckResult, counts: Counts, missing: string[], failures: string[] }} ChecklistEntry
 */

/** The vitest project a test file belongs to, by the naming rules of vitest.config.ts. @param {string} file @returns {'unit' | 'integration' | 'lxc'} */
export function projectOf(file) {
  if (file.startsWith('packages/sandbox/test/') || file.startsWith('test/drills/') || file.endsWith('.lxc.test.ts')) return 'lxc';
  if (file.endsWith('.integration.test.ts')) return 'integration';
  return 'unit';
}

/** vitest's statuses: passed, failed, and the rest (skipped, pending, todo, disabled) count as skipped. @param {string} status @returns {keyof Counts} */
function countOf(status) {
  if (status === 'passed') return 'passed';
  if (status === 'failed') return 'failed';
  return 'skipped';
}

/** @returns {Counts} */
const zero = () => ({ passed: 0, failed: 0, skipped: 0 });

/** @param {VitestFile} file @param {string} root @returns {FileSummary} */
function summariseFile(file, root) {
  const rel = relative(root, file.name).split(sep).join('/');
  const counts = zero();
  for (const a of file.assertionResults) counts[countOf(a.status)]++;
  // A file that failed to load has no tests: it still counts as one failure.
  if (file.status === 'failed' && counts.failed === 0) counts.failed = 1;
  const durationMs = file.startTime && file.endTime ? Math.round(file.endTime - file.startTime) : 0;
  return { file: rel, project: projectOf(rel), ...counts, durationMs, status: file.status, message: file.message ?? '' };
}

/**
 * @param {VitestResults} results
 * @param {string} root  the repository the run was made in (file names in the JSON are absolute)
 * @param {number} [slowest]
 */
export function summarise(results, root, slowest = 10) {
  const files = results.testResults.map((f) => summariseFile(f, root)).sort((a, b) => a.file.localeCompare(b.file));
  const total = zero();
  /** @type {Record<string, Counts & { files: number }>} */
  const byProject = {};
  for (const f of files) {
    byProject[f.project] ??= { files: 0, ...zero() };
    const p = byProject[f.project];
    p.files++;
    for (const k of /** @type {const} */ (['passed', 'failed', 'skipped'])) {
      p[k] += f[k];
      total[k] += f[k];
    }
  }
  const slow = [...files].sort((a, b) => b.durationMs - a.durationMs).slice(0, slowest);
  return { total, files: files.length, byProject, byFile: files, slowest: slow };
}

/**
 * The results of one proof (a file or directory, optionally narrowed to named tests).
 * @param {import('./test-plan.mjs').Proof} proof @param {VitestResults} results @param {string} root
 * @returns {{ files: VitestFile[], assertions: VitestAssertion[], missing: string[] }}
 */
function resultsOfProof(proof, results, root) {
  /** @param {VitestFile} f */
  const inProof = (f) => {
    const rel = relative(root, f.name).split(sep).join('/');
    return rel === proof.path || rel.startsWith(`${proof.path.replace(/\/$/, '')}/`);
  };
  const files = results.testResults.filter(inProof);
  if (proof.names.length === 0) {
    return {
      files,
      assertions: files.flatMap((f) => f.assertionResults),
      missing: files.length ? [] : [proof.path],
    };
  }
  /** @type {VitestAssertion[]} */
  const assertions = [];
  /** @type {string[]} */
  const missing = [];
  for (const name of proof.names) {
    const hits = files.flatMap((f) => f.assertionResults.filter((a) => a.fullName.includes(name)));
    if (hits.length === 0) missing.push(`${proof.path} "${name}"`);
    assertions.push(...hits);
  }
  return { files, assertions, missing };
}

/**
 * Each plan row with its result in this run:
 * pass (every proof ran and passed), fail (any of its tests or files failed), partial (what ran
 * passed, but some proofs were not in this run), not run, or the plan's own gap / in progress.
 * @param {PlanRow[]} rows @param {VitestResults} results @param {string} root @returns {ChecklistEntry[]}
 */
export function checklist(rows, results, root) {
  return rows.map((row) => {
    const counts = zero();
    if (row.status !== 'proved') return { row, result: row.status, counts, missing: [], failures: [] };
    /** @type {string[]} */
    const missing = [];
    /** @type {string[]} */
    const failures = [];
    let ranAny = false;
    for (const proof of row.proofs) {
      const r = resultsOfProof(proof, results, root);
      missing.push(...r.missing);
      for (const a of r.assertions) {
        counts[countOf(a.status)]++;
        if (a.status === 'failed') failures.push(a.fullName);
      }
      // A named test counts only if it ran; a whole file, also when it failed to load.
      for (const f of r.files) {
        if (f.status === 'failed' && f.assertionResults.length === 0) failures.push(`${proof.path}: ${f.message || 'failed to load'}`);
      }
      const ran = r.assertions.some((a) => countOf(a.status) !== 'skipped') || r.files.some((f) => f.status === 'failed');
      if (ran) ranAny = true;
      else if (r.missing.length === 0) missing.push(`${proof.path} (skipped)`);
    }
    /** @type {CheckResult} */
    let result;
    if (failures.length > 0) result = 'fail';
    else if (!ranAny) result = 'not run';
    else if (missing.length > 0) result = 'partial';
    else result = 'pass';
    return { row, result, counts, missing, failures };
  });
}
