import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { type Logger, type Runner, silentLogger } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { MemoryHost } from '../../packages/engine/src/host/memory-host.js';
import { runContainerPipeline } from '../../packages/engine/src/lifecycle/container-pipeline.js';
import { OUTPUT_TAIL_LINES, outputTail } from '../../packages/engine/src/lifecycle/output-tail.js';
import { composeNotification } from '../../packages/engine/src/notify/compose-message.js';
import { computeSeverity } from '../../packages/engine/src/notify/severity.js';
import { APT_STDERR, APT_STDOUT, DPKG_ERROR_ARCHIVE } from './apt-dpkg-failure.js';

// Symptom (issue 12): an `apt-get upgrade` that failed because dpkg could not unpack a package was
// reported only as "E: Sub-process /usr/bin/dpkg returned an error code (1)"; dpkg's own lines were
// in no log, report or notification.

const VMID = 101;
const RUN_ID = '20261202T143000Z-abc123';

/** A runner whose apply is the failing apt-get upgrade (the memory host answers it with the fixture). */
const aptLike = {
  id: 'apt-like',
  sdk: 1,
  kind: 'os',
  description: 'apt-get upgrade stand-in (test)',
  optionsSchema: Type.Object({}),
  detect: async () => ({ applicable: true }),
  check: async () => ({ updates: [{ name: 'libssl3', from: '3.0.14-1~deb12u2', to: '3.0.15-1~deb12u1' }], withheld: [] }),
  plan: async (_ctx: unknown, check: { updates: [] }) => [
    { id: 'upgrade', title: 'apt-get upgrade', argv: ['apt-get', '-y', 'upgrade'], updates: check.updates },
  ],
  async apply(ctx: { exec: { change(argv: string[]): Promise<unknown> } }) {
    await ctx.exec.change(['apt-get', '-y', 'upgrade']);
    return { changed: [], steps: [] };
  },
} as unknown as Runner<TSchema>;

function keptLog(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, ...(typeof obj === 'object' && obj !== null ? obj : { msg: obj }), ...(msg ? { msg } : {}) });
    };
  const log = { ...silentLogger, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return Object.assign(log, { lines, child: () => log }) as unknown as Logger & { lines: Array<Record<string, unknown>> };
}

async function failedUpgrade(stdout = APT_STDOUT, stderr = APT_STDERR) {
  const host = new MemoryHost({
    containers: [{ vmid: VMID, files: {} }],
    exec: ({ argv }) => (argv[0] === 'apt-get' ? { exitCode: 100, stdout, stderr } : undefined),
  });
  const log = keptLog();
  const report = await runContainerPipeline(
    {
      runId: RUN_ID,
      dryRun: false,
      container: { vmid: VMID, name: 'web', status: 'running', tags: [], unprivileged: true, template: false },
      runners: [{ id: 'apt-like', modulePath: 'memory:apt-like', options: {} }],
      exclusions: [],
      timeoutsMs: { preflight: 5000, detect: 5000, check: 5000, plan: 5000, backup: 5000, apply: 5000, verify: 5000, rollback: 5000 },
      retries: 0,
      stateDir: await mkdtemp(join(tmpdir(), 'unrot-tail-')),
      backup: { mode: 'none', onUnsupported: 'skip', keep: 3, vzdumpStorage: 'local', vzdumpMode: 'snapshot', vzdumpCompress: 'zstd' },
      rollback: { onFailure: true, onInterrupt: 'rollback' },
    } as Parameters<typeof runContainerPipeline>[0],
    { host, loadRunner: async () => aptLike, emit: () => {}, log, signal: new AbortController().signal },
  );
  return { report, log };
}

describe("a failed command's own words reach the log, the report and the notification", () => {
  it('keeps dpkg\'s "error processing archive" line and apt\'s closing E: line, stdout then stderr, at most 50 lines', () => {
    const tail = outputTail(APT_STDOUT, APT_STDERR);
    expect(tail.length).toBeLessThanOrEqual(OUTPUT_TAIL_LINES);
    expect(tail).toContain(DPKG_ERROR_ARCHIVE);
    expect(tail).toContain('Errors were encountered while processing:');
    expect(tail.at(-1)).toBe('E: Sub-process /usr/bin/dpkg returned an error code (1)');
    expect(tail.indexOf('Errors were encountered while processing:')).toBeLessThan(tail.indexOf(DPKG_ERROR_ARCHIVE));
    // A chatty stream cannot push the other out: each keeps at least half of the budget.
    const noisy = outputTail(APT_STDOUT, `${Array.from({ length: 200 }, (_, i) => `warning ${i}`).join('\n')}\n${APT_STDERR}`);
    expect(noisy).toHaveLength(OUTPUT_TAIL_LINES);
    expect(noisy).toContain('Errors were encountered while processing:');
    expect(noisy.at(-1)).toBe('E: Sub-process /usr/bin/dpkg returned an error code (1)');
  });

  it('the failed apply carries error.output with the dpkg lines, and the container log holds them too', async () => {
    const { report, log } = await failedUpgrade();
    expect(report.outcome).toBe('failed');
    expect(report.error).toMatchObject({ step: 'apply', code: 'E_EXEC_FAILED' });
    expect(report.error?.output).toContain(DPKG_ERROR_ARCHIVE);
    expect(report.error?.output?.at(-1)).toBe('E: Sub-process /usr/bin/dpkg returned an error code (1)');
    const logged = log.lines.find((l) => Array.isArray(l['output']));
    expect(logged).toMatchObject({ level: 'warn', exitCode: 100, argv: ['apt-get', '-y', 'upgrade'] });
    expect(logged?.['output']).toContain(DPKG_ERROR_ARCHIVE);
  });

  it('the failure notification shows the last lines of the output, control characters escaped', async () => {
    const hostile = `${APT_STDERR}\u001b]52;c;ZXZpbA==\u0007E: evil\n`;
    const { report: ct } = await failedUpgrade(APT_STDOUT, hostile);
    const report = {
      schema: 'unrot.run-report/v1' as const,
      runId: RUN_ID,
      dryRun: false,
      startedAt: '2026-12-02T14:30:00.000Z',
      finishedAt: '2026-12-02T14:31:00.000Z',
      durationMs: 60_000,
      unrotVersion: '0.0.0',
      host: { node: 'pve1', hostname: 'pve1' },
      configDir: '/etc/unrot',
      selection: { cts: [], tags: [] },
      exitCode: 1,
      summary: { containers: 2, updated: 1, rolledBack: 0, nothingToDo: 0, planned: 0, skipped: 0, failed: 1, packagesChanged: 1 },
      containers: [ct, { ...ct, vmid: 102, outcome: 'updated' as const, error: undefined }],
      recoveries: [],
      logDir: '/var/lib/unrot/runs/x',
    };
    const verdict = computeSeverity(report);
    expect(verdict.severity).toBe('degraded');
    const message = await composeNotification(report, verdict);
    expect(message.text).toContain(DPKG_ERROR_ARCHIVE);
    expect(message.text).toContain("of the command's output:");
    expect(message.text).not.toContain('\u001b');
    expect(message.text).toContain('\\x1b]52;c;ZXZpbA==\\x07E: evil');
  });
});
