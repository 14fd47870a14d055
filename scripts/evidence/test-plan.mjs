// Reads docs/test-plan.md into rows: the scope items, the test files (and test names) that prove
// each, and how real the proof is. Shared by the plan's own rot test and `npm run evidence`.

/**
 * @typedef {{ path: string, names: string[] }} Proof  a file or directory, and the names of the tests in it that prove the item (none: all)
 * @typedef {'proved' | 'in progress' | 'gap'} PlanStatus
 * @typedef {{ id: string, section: string, item: string, proofs: Proof[], asserts: string, kind: string, status: PlanStatus, line: number }} PlanRow
 */

const ROW_ID = /^[A-Z]{2}\d+$/;
// A proof cell: `path` "test name" "another name"; `next/path` …
const PROOF_TOKEN = /`([^`]+)`|"([^"]+)"/g;

/** @param {string} kind @returns {PlanStatus} */
export function statusOfKind(kind) {
  const k = kind.trim().toLowerCase();
  if (k === 'gap') return 'gap';
  if (k.startsWith('in progress')) return 'in progress';
  return 'proved';
}

/** @param {string} cell @returns {Proof[]} */
export function parseProofs(cell) {
  /** @type {Proof[]} */
  const proofs = [];
  for (const m of cell.matchAll(PROOF_TOKEN)) {
    if (m[1] !== undefined) proofs.push({ path: m[1], names: [] });
    else if (m[2] !== undefined) {
      const last = proofs.at(-1);
      if (!last) throw new Error(`a test name before any file: "${m[2]}"`);
      last.names.push(m[2]);
    }
  }
  return proofs;
}

/** Table cells of a markdown row; the plan's cells hold no `|` of their own. @param {string} line */
function cellsOf(line) {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

/** @param {string} markdown @returns {PlanRow[]} */
export function parseTestPlan(markdown) {
  /** @type {PlanRow[]} */
  const rows = [];
  let section = '';
  markdown.split('\n').forEach((line, index) => {
    const heading = /^## (.+)$/.exec(line);
    if (heading?.[1]) section = heading[1].trim();
    if (!line.startsWith('|')) return;
    const cells = cellsOf(line);
    if (!ROW_ID.test(cells[0] ?? '')) return;
    if (cells.length !== 5)
      throw new Error(`docs/test-plan.md:${index + 1}: a row needs 5 cells (id, item, proved by, asserted, kind), has ${cells.length}`);
    const [id, item, proof, asserts, kind] = /** @type {[string, string, string, string, string]} */ (cells);
    rows.push({ id, section, item, proofs: parseProofs(proof), asserts, kind, status: statusOfKind(kind), line: index + 1 });
  });
  return rows;
}
