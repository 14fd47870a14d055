import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTestPlan } from '../../scripts/evidence/test-plan.mjs';

// docs/test-plan.md maps every scope item to the tests that prove it. These checks keep it true:
// a renamed or deleted test file, or a test whose name changed, fails here instead of leaving the
// plan pointing at nothing.
const repo = join(import.meta.dirname, '..', '..');
const rows = parseTestPlan(readFileSync(join(repo, 'docs', 'test-plan.md'), 'utf8'));
const proved = rows.filter((r) => r.status === 'proved');
const allPaths = rows.flatMap((r) => r.proofs.map((p) => p.path));

describe('docs/test-plan.md', () => {
  it('has a section for every part of the scope, each with rows of unique ids', () => {
    const sections = new Set(rows.map((r) => r.section));
    for (const s of [
      'Targets',
      'Runners per ecosystem',
      'Pre-flight',
      'Safety',
      'Dry-run',
      'Reports',
      'Notifications',
      'Scheduling',
      'Configuration validation',
    ]) {
      expect(sections, s).toContain(s);
    }
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names, for every proved item, test files that exist', () => {
    for (const row of proved) {
      expect(row.proofs.length, `${row.id} proves nothing`).toBeGreaterThan(0);
      for (const proof of row.proofs) {
        const path = join(repo, proof.path);
        expect(existsSync(path), `${row.id} (line ${row.line}): ${proof.path} does not exist`).toBe(true);
        if (statSync(path).isFile()) expect(proof.path, `${row.id}: ${proof.path} is not a test file`).toMatch(/\.test\.ts$/);
      }
    }
  });

  it('quotes only test names that are in the file named before them', () => {
    for (const row of proved) {
      for (const proof of row.proofs) {
        if (proof.names.length === 0) continue;
        const source = readFileSync(join(repo, proof.path), 'utf8');
        for (const name of proof.names) expect(source.includes(name), `${row.id}: "${name}" is not in ${proof.path}`).toBe(true);
      }
    }
  });

  it('lists gaps without a proof, and says what is in progress', () => {
    for (const row of rows.filter((r) => r.status === 'gap')) expect(row.proofs, row.id).toEqual([]);
    for (const row of rows.filter((r) => r.status === 'in progress')) expect(row.proofs.length, row.id).toBeGreaterThan(0);
  });

  it('maps every drill file and every plugin (a new one must be added to the plan)', () => {
    const drills = readdirSync(join(repo, 'test', 'drills')).filter((f) => f.endsWith('.test.ts'));
    for (const f of drills) expect(allPaths, `test/drills/${f} is not in the plan`).toContain(`test/drills/${f}`);
    const plugins = readdirSync(join(repo, 'plugins'), { withFileTypes: true }).filter(
      (d) => d.isDirectory() && existsSync(join(repo, 'plugins', d.name, 'package.json')),
    );
    for (const d of plugins) {
      expect(
        allPaths.some((p) => p.startsWith(`plugins/${d.name}/`)),
        `plugins/${d.name} is not in the plan`,
      ).toBe(true);
    }
  });
});
