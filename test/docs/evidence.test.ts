import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderIndex, renderSummary } from '../../scripts/evidence/render.mjs';
import { checklist, projectOf, summarise } from '../../scripts/evidence/summarise.mjs';
import { parseTestPlan } from '../../scripts/evidence/test-plan.mjs';

// The pure parts of `npm run evidence`, on a real vitest JSON result of this repository
// (fixtures/README.md says how it was made) and on the real docs/test-plan.md.
const repo = join(import.meta.dirname, '..', '..');
const RECORDED_ROOT = '/work/main';
const recorded = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'vitest-results.json'), 'utf8'));
const plan = parseTestPlan(readFileSync(join(repo, 'docs', 'test-plan.md'), 'utf8'));
const TARGETS = 'packages/engine/test/targets/resolve-targets.test.ts';

/** A copy of the recorded result with some tests' status changed, for the failing and skipped cases. */
function withStatus(file: string, status: string, titleIncludes = '') {
  const copy = structuredClone(recorded);
  for (const f of copy.testResults) {
    if (!f.name.endsWith(file)) continue;
    for (const a of f.assertionResults) if (a.fullName.includes(titleIncludes)) a.status = status;
    if (status === 'failed') f.status = 'failed';
  }
  return copy;
}
const byId = (entries: ReturnType<typeof checklist>, id: string) => entries.find((e) => e.row.id === id)!;

describe('summarising a vitest JSON result', () => {
  it('counts per project and per file, with paths relative to the repository, and lists the slowest files', () => {
    const s = summarise(recorded, RECORDED_ROOT, 2);
    expect(s.total).toEqual({ passed: 64, failed: 0, skipped: 0 });
    expect(s.files).toBe(4);
    expect(s.byProject).toEqual({ unit: { files: 4, passed: 64, failed: 0, skipped: 0 } });
    expect(s.byFile.map((f) => [f.file, f.passed])).toEqual([
      ['packages/engine/test/report/exit-codes.test.ts', 3],
      ['packages/engine/test/schedule/cron.test.ts', 27],
      [TARGETS, 3],
      ['plugins/runner-custom/test/options.test.ts', 31],
    ]);
    expect(s.slowest).toHaveLength(2);
    expect(s.slowest[0]!.durationMs).toBeGreaterThanOrEqual(s.slowest[1]!.durationMs);
    expect(s.byFile.every((f) => f.durationMs > 0)).toBe(true);
  });

  it('puts each file in its project by the naming rules of vitest.config.ts', () => {
    expect(projectOf('test/drills/safety-drills.test.ts')).toBe('lxc');
    expect(projectOf('packages/sandbox/test/pve/cli.test.ts')).toBe('lxc');
    expect(projectOf('packages/engine/test/host/pct-host-real.lxc.test.ts')).toBe('lxc');
    expect(projectOf('plugins/runner-apt/test/live-chroot.integration.test.ts')).toBe('integration');
    expect(projectOf('test/plugins.test.ts')).toBe('unit');
  });

  it('counts a file that failed to load as a failure', () => {
    const copy = structuredClone(recorded);
    copy.testResults.push({ name: `${RECORDED_ROOT}/test/broken.test.ts`, status: 'failed', message: 'SyntaxError', assertionResults: [] });
    const s = summarise(copy, RECORDED_ROOT);
    expect(s.total.failed).toBe(1);
    expect(s.byFile.find((f) => f.file === 'test/broken.test.ts')).toMatchObject({ failed: 1, message: 'SyntaxError' });
  });
});

describe('the checklist of docs/test-plan.md', () => {
  it('passes an item whose named tests all ran and passed; partial when part of its proof was not in the run', () => {
    const entries = checklist(plan, recorded, RECORDED_ROOT);
    expect(entries).toHaveLength(plan.length);
    expect(byId(entries, 'TG1')).toMatchObject({ result: 'pass', counts: { passed: 2, failed: 0, skipped: 0 }, missing: [] });
    // TG2: the resolver test ran; its drill did not (no lxc project in this run).
    expect(byId(entries, 'TG2').result).toBe('partial');
    expect(byId(entries, 'TG2').missing).toEqual(['test/drills/sandbox-drills.test.ts "--tag py touches CT 102 only"']);
    // SC3: the whole cron file ran (27 tests), the CLI's schedule test did not.
    expect(byId(entries, 'SC3')).toMatchObject({ result: 'partial', counts: { passed: 27 } });
  });

  it('says not run, gap and in progress apart', () => {
    const entries = checklist(plan, recorded, RECORDED_ROOT);
    expect(byId(entries, 'RN1').result).toBe('not run');
    expect(byId(entries, 'GP1').result).toBe('gap');
  });

  it('says in progress for a row of that kind, whatever its named files', () => {
    const row = '| XX1 | a runner being written | `plugins/runner-next/` | not landed yet | in progress |';
    const [entry] = checklist(
      parseTestPlan(`## Runners\n\n| id | item | proof | asserted | kind |\n| --- | --- | --- | --- | --- |\n${row}\n`),
      recorded,
      RECORDED_ROOT,
    );
    expect(entry?.result).toBe('in progress');
  });

  it('fails an item when one of its tests failed, naming the test', () => {
    const entries = checklist(plan, withStatus(TARGETS, 'failed', 'matches by tag'), RECORDED_ROOT);
    const tg1 = byId(entries, 'TG1');
    expect(tg1.result).toBe('fail');
    expect(tg1.failures).toEqual(['resolveTargets matches by tag, name glob and allow list; deny wins']);
    // TG2 names another test of the same file, which passed.
    expect(byId(entries, 'TG2').result).toBe('partial');
  });

  it('does not count skipped tests as proof', () => {
    const entries = checklist(plan, withStatus(TARGETS, 'skipped'), RECORDED_ROOT);
    expect(byId(entries, 'TG1')).toMatchObject({ result: 'not run', counts: { skipped: 2 } });
  });

  it('renders index.md with a row per item and summary.md with the counts', () => {
    const entries = checklist(plan, withStatus(TARGETS, 'failed', 'matches by tag'), RECORDED_ROOT);
    const summary = summarise(recorded, RECORDED_ROOT);
    const index = renderIndex({
      title: 'Evidence',
      entries,
      summary,
      facts: { commit: 'c3288ca' },
      files: [{ path: 'summary.md', what: 'counts' }],
    });
    for (const row of plan) expect(index).toMatch(new RegExp(`^\\| ${row.id} \\|`, 'm'));
    expect(index).toMatch(/^\| TG1 \|.*❌ fail.*failed: resolveTargets matches by tag/m);
    expect(index).toMatch(/^\| GP1 \|.*⚠ gap/m);
    expect(index).toContain('| commit | c3288ca |');
    const page = renderSummary(summary);
    expect(page).toContain('| unit | 4 | 64 | 0 | 0 |');
    expect(page).toContain(`| \`${TARGETS}\` | unit | 3 | 0 | 0 |`);
  });
});
