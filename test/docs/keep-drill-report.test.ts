import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepDrillReport } from '../drills/keep-drill-report.js';
import { run, unrotBin } from '../drills/sandbox-harness.js';

// The drill harness keeps the JSON report of every `unrot … --json` when UNROT_DRILL_REPORTS is
// set (what `npm run evidence` collects). Exercised through the harness's own `run` and the built
// CLI on commands that need no LXC: `validate` of the shipped examples, and `targets`, which ends
// in an error report here (no pvesh on this PATH). Never with the drills' own environment: its PATH
// has the sandbox's pct/pvesh stand-ins and its root is the drill sandbox's, which a unit test must
// not touch (the lxc drills bring that sandbox up later in the same `npm test`).
const examples = join(import.meta.dirname, '..', '..', 'examples');
let dir = '';
const env = process.env;
const noSandbox = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('UNROT_SANDBOX_'))),
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unrot-drill-reports-'));
  env['UNROT_DRILL_REPORTS'] = dir;
});
afterEach(() => {
  delete env['UNROT_DRILL_REPORTS'];
  rmSync(dir, { recursive: true, force: true });
});

const kept = () => readdirSync(join(dir, 'keep-drill-report')).sort();

describe('drill reports kept for the evidence bundle', () => {
  it('keeps what `unrot … --json` printed, with the drill, the test, the argv and the exit code, in run order', async () => {
    const ok = await run(process.execPath, [unrotBin, 'validate', '--json', '--config', examples], 120_000, noSandbox());
    expect(ok.code).toBe(0);
    const failed = await run(process.execPath, [unrotBin, 'targets', '--json', '--config', examples], 120_000, noSandbox());
    expect(failed.code).not.toBe(0);
    const files = kept();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{3}-validate-drill-reports-kept-for-the-evidence-bundle-keeps-what/);
    expect(files[1]).toMatch(/^\d{3}-targets-/);
    const first = JSON.parse(readFileSync(join(dir, 'keep-drill-report', files[0]!), 'utf8'));
    expect(first).toMatchObject({
      drill: 'keep-drill-report',
      test: expect.stringContaining('keeps what `unrot … --json` printed'),
      argv: ['unrot', 'validate', '--json', '--config', examples],
      exitCode: 0,
      report: { valid: true },
    });
    const second = JSON.parse(readFileSync(join(dir, 'keep-drill-report', files[1]!), 'utf8'));
    expect(second.exitCode).toBe(failed.code);
    expect(second.report).toEqual(JSON.parse(failed.stdout));
  });

  it('keeps nothing for human output, and nothing at all without UNROT_DRILL_REPORTS', () => {
    // What `unrot validate --json` printed above, handed straight to the keeper: no CLI start needed.
    const printed = { code: 0, stdout: '{"valid": true}', ms: 1 };
    expect(keepDrillReport(['validate', '--config', examples], printed)).toBeUndefined();
    expect(keepDrillReport(['validate', '--json', '--config', examples], { ...printed, stdout: 'not json' })).toBeUndefined();
    delete env['UNROT_DRILL_REPORTS'];
    expect(keepDrillReport(['validate', '--json', '--config', examples], printed)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});
