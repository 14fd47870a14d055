import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeNotification, computeSeverity, readLogTail } from '../../src/notify/index.js';
import { ct, makeReport } from './report-fixtures.js';

let dir: string;
let logFile: string;

/** A container log written the way the worker writes it: pino JSON lines. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unrot-notify-'));
  logFile = join(dir, 'ct-102.jsonl');
  const log = pino(
    { base: { runId: 'r1', vmid: 102 }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: logFile, sync: true }),
  );
  for (let i = 1; i <= 30; i++) log.info({ step: 'apply', line: i }, `log line number ${i}`);
  log.error({ code: 'E_EXEC_FAILED', argv: ['apt-get', 'install'] }, 'apply failed');
  log.flush();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function compose(report: ReturnType<typeof makeReport>) {
  return composeNotification(report, computeSeverity(report));
}

describe('notification messages', () => {
  it('success: a compressed summary with counts in the title', async () => {
    const m = await compose(makeReport([ct(101, 'updated'), ct(103, 'updated'), ct(104, 'nothing-to-do'), ct(105, 'skipped')]));
    expect(m.severity).toBe('success');
    expect(m.title).toBe('SUCCESS: 2 updated on pve1');
    expect(m.text).toContain('2 updated (4 packages changed), 1 up to date, 0 failed, 1 skipped');
    expect(m.text).toContain('CT 101 ct101: apt 2');
    expect(m.text).toContain('Report: /var/lib/unrot/runs/20261126T021500Z-3fa9c2/report.json');
    expect(m.text).not.toContain('Failed:');
    expect(m.text).not.toContain('Next steps');
    expect(m.text.split('\n').length).toBeLessThanOrEqual(10);
    expect(m.runId).toBe('20261126T021500Z-3fa9c2');
  });

  it('degraded: the failing CTIDs with the last 20 lines of each log', async () => {
    const m = await compose(makeReport([ct(101, 'updated'), ct(102, 'failed', { logFile })]));
    expect(m.severity).toBe('degraded');
    expect(m.title).toBe('DEGRADED: 1 failed, 1 updated on pve1');
    expect(m.text).toContain('CT 102 ct102: step apply (apt), E_EXEC_FAILED: dpkg failed in CT 102');
    expect(m.text).toContain(`last 20 log lines of ${logFile}:`);
    const logLines = m.text.split('\n').filter((l) => l.startsWith('      '));
    expect(logLines).toHaveLength(20);
    // lines 12..30 and the error: the last 20 written
    expect(logLines[0]).toContain('log line number 12');
    expect(m.text).not.toContain('log line number 11 ');
    expect(logLines[19]).toMatch(/ERROR apply failed \{"code":"E_EXEC_FAILED","argv":\["apt-get","install"\]\}$/);
    expect(logLines[0]).toMatch(/^ {6}\d{4}-\d\d-\d\dT[\d:.]+Z INFO log line number 12 \{"step":"apply","line":12\}$/);
    expect(m.text).not.toContain('Next steps');
  });

  it('failure with a rollback: loud, with restore details and next steps', async () => {
    const rolled = ct(102, 'rolled-back', {
      logFile,
      error: { step: 'verify', code: 'E_VERIFY_FAILED', message: 'http probe: 502 from http://127.0.0.1:8080/health' },
      rollback: { reason: 'E_VERIFY_FAILED', kind: 'snapshot', to: 'unrot-20261126T021500Z', running: true, durationMs: 3000 },
    });
    const m = await compose(makeReport([ct(101, 'updated'), rolled]));
    expect(m.severity).toBe('failure');
    expect(m.title).toBe('FAILURE: 1 rolled back, 1 updated on pve1');
    expect(m.text.split('\n')[0]).toBe('!!! unrot FAILURE on pve1: ACTION NEEDED !!!');
    expect(m.text).toContain('CT 102 ct102: step verify, E_VERIFY_FAILED: http probe: 502');
    expect(m.text).toContain('CT 102 ct102: rolled back to snapshot unrot-20261126T021500Z; running again (after: E_VERIFY_FAILED)');
    expect(m.text).toContain('unrot plan --ct 102');
    expect(m.text).toContain('pct listsnapshot 102');
    expect(m.text).toContain('unrot run --ct 102');
  });

  it('failure when every container failed: says nothing was rolled back and where the backup is', async () => {
    const m = await compose(
      makeReport([
        ct(101, 'failed', { backup: { kind: 'snapshot', planned: false, name: 'unrot-20261126T021500Z' } }),
        ct(102, 'failed', { logFile: join(dir, 'missing.jsonl') }),
      ]),
    );
    expect(m.severity).toBe('failure');
    expect(m.title).toBe('FAILURE: 2 failed on pve1');
    expect(m.text).toContain('CT 101 ct101: not rolled back; the pre-update snapshot unrot-20261126T021500Z is kept');
    expect(m.text).toContain('CT 102 ct102: not rolled back: the container is as the failed step left it');
    expect(m.text).toContain('last 0 log lines of');
    expect(m.text).toContain('unrot plan --ct 101 --ct 102');
  });

  it('a failed rollback is called out', async () => {
    const rolled = ct(102, 'rolled-back', {
      rollback: {
        reason: 'E_EXEC_FAILED',
        kind: 'snapshot',
        to: 'unrot-x',
        running: false,
        durationMs: 1,
        error: 'pct rollback exited 255',
      },
    });
    const m = await compose(makeReport([rolled]));
    expect(m.text).toContain('CT 102 ct102: ROLLBACK FAILED (to snapshot unrot-x): pct rollback exited 255. Restore by hand.');
  });

  it('reads only the tail of a big log', async () => {
    const big = join(dir, 'big.jsonl');
    const log = pino({ base: null, timestamp: false }, pino.destination({ dest: big, sync: true }));
    for (let i = 0; i < 20_000; i++) log.info({ i, pad: 'x'.repeat(40) }, 'noise');
    log.info('the very end');
    log.flush();
    const tail = await readLogTail(big, 20);
    expect(tail).toHaveLength(20);
    expect(tail[19]).toBe('INFO the very end');
  });
});
