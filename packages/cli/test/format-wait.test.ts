import type { ContainerReport, RunReport } from '@unrot/engine';
import { describe, expect, it } from 'vitest';
import { formatReport, formatSeconds } from '../src/lib/format-report.js';

// The pre-flight wait line of `unrot run`: said only when there was a wait worth saying, in units
// an admin reads (it used to print "waited 0 s" for a 200 ms poll).
const withWait = (waitedMs: number): RunReport =>
  ({
    runId: 'r1',
    dryRun: false,
    host: { node: 'pve1' },
    logDir: '/var/lib/unrot/runs/r1',
    recoveries: [],
    containers: [
      {
        vmid: 101,
        name: 'web',
        status: 'running',
        unprivileged: true,
        tags: [],
        outcome: 'nothing-to-do',
        runners: [],
        changingCommands: 0,
        durationMs: 0,
        preflight: { waitedMs },
      } as unknown as ContainerReport,
    ],
    summary: {
      containers: 1,
      updated: 0,
      rolledBack: 0,
      cutShort: 0,
      needsAttention: 0,
      nothingToDo: 1,
      planned: 0,
      skipped: 0,
      failed: 0,
      packagesChanged: 0,
    },
  }) as unknown as RunReport;

describe('the pre-flight wait line', () => {
  it('is left out when nothing (or under 0.1 s) was waited', () => {
    expect(formatReport(withWait(0))).not.toContain('waited');
    expect(formatReport(withWait(40))).not.toContain('waited');
  });

  it('says tenths under 10 s, seconds under 2 min, then minutes and seconds', () => {
    expect(formatReport(withWait(400))).toContain('waited 0.4 s for host load / backup storage before starting');
    expect(formatSeconds(3000)).toBe('3 s');
    expect(formatSeconds(2450)).toBe('2.5 s');
    expect(formatSeconds(61_400)).toBe('61 s');
    expect(formatSeconds(185_000)).toBe('3 min 5 s');
  });
});

describe('the fleet-cap wait line', () => {
  it('names the cap and the step the container waited before', () => {
    const report = withWait(0);
    const ct = report.containers[0] as ContainerReport;
    (ct as { capWaits?: ContainerReport['capWaits'] }).capWaits = [
      { caps: ['runner:npm'], step: 'backup', waitedMs: 4200 },
      { caps: ['storage:local-lvm'], step: 'backup', waitedMs: 20 },
    ];
    const text = formatReport(report);
    expect(text).toContain('waited 4.2 s for its turn (concurrency cap runner:npm) before backup');
    // Under 0.1 s is no wait worth a line.
    expect(text).not.toContain('storage:local-lvm');
  });
});
