import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'vitest';

/** What the harness knows of a finished `unrot` process. */
interface Finished {
  code: number;
  stdout: string;
  ms: number;
}

// Read at each call: the evidence run sets it for the whole vitest process, a test may set it itself.
const env = process.env;
let sequence = 0;

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/**
 * When UNROT_DRILL_REPORTS names a directory (`npm run evidence` sets it), keeps the JSON report
 * an `unrot … --json` command of a drill printed: the drills' own state directories go with
 * `unrot-sandbox down`, so this is the only copy. One file per command,
 * `<dir>/<drill file>/<NNN>-<command>-<test>.json`, holding the drill, the test, the argv, the exit
 * code, the time and the report as unrot printed it (already redacted by unrot). Returns the file
 * written, if any.
 */
export function keepDrillReport(unrotArgs: readonly string[], proc: Finished, dir = env['UNROT_DRILL_REPORTS']): string | undefined {
  if (!dir || !unrotArgs.includes('--json')) return undefined;
  let report: unknown;
  try {
    report = JSON.parse(proc.stdout);
  } catch {
    return undefined; // no report printed (a usage error, a crash): the drill itself says why
  }
  const state = expect.getState();
  const drill = basename(state.testPath ?? 'unknown').replace(/\.test\.ts$/, '');
  const test = state.currentTestName ?? 'hooks';
  const command = unrotArgs.find((a) => !a.startsWith('-')) ?? 'unrot';
  sequence += 1;
  const file = join(dir, drill, `${String(sequence).padStart(3, '0')}-${slug(command)}-${slug(test)}.json`);
  try {
    mkdirSync(join(dir, drill), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ drill, test, argv: ['unrot', ...unrotArgs], exitCode: proc.code, ms: proc.ms, report }, null, 2)}\n`,
    );
  } catch (err) {
    // Losing a copy must not fail the drill, but it must not go unnoticed either.
    console.warn(`UNROT_DRILL_REPORTS: could not write ${file}: ${(err as Error).message}`);
    return undefined;
  }
  return file;
}
