import type { ContainerReport, RunReport } from '@unrot/engine';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/lib/format-report.js';

// What `unrot run` prints for issue 12 items 6-8: the failing command's own last lines, skips that
// need attention, and a recovery that found unrot's own interrupted step's lock with its remedy.
const ct = (vmid: number, extra: Partial<ContainerReport>): ContainerReport => ({
  vmid,
  name: `ct${vmid}`,
  status: 'running',
  unprivileged: true,
  tags: [],
  outcome: 'failed',
  runners: [],
  changingCommands: 0,
  durationMs: 0,
  ...extra,
});
const report = (containers: ContainerReport[], recoveries: RunReport['recoveries'] = []) =>
  ({
    runId: 'r1',
    dryRun: false,
    host: { node: 'pve1' },
    logDir: '/var/lib/unrot/runs/r1',
    containers,
    recoveries,
    summary: {
      containers: containers.length,
      updated: 0,
      rolledBack: 0,
      cutShort: 0,
      needsAttention: 1,
      nothingToDo: 0,
      planned: 0,
      skipped: 1,
      failed: 1,
      packagesChanged: 0,
    },
  }) as unknown as RunReport;

describe('attention and command output in the human report', () => {
  it("prints the failing command's output lines escaped, marks attention skips and lists the lock remedy", () => {
    const text = formatReport(
      report(
        [
          ct(101, {
            error: {
              step: 'apply',
              runner: 'apt',
              code: 'E_EXEC_FAILED',
              message: 'apt-get upgrade exited 100',
              output: ['dpkg: error processing archive /var/cache/apt/archives/x.deb (--unpack):', 'E: evil\u001b[2J'],
            },
          }),
          ct(102, { outcome: 'skipped', skipReason: 'locked', skipClass: 'attention', skipDetail: 'CT is locked (snapshot)' }),
        ],
        [
          {
            vmid: 102,
            runId: '20261126T021500Z-3fa9c2',
            step: 'backup',
            action: 'none',
            detail: "CT 102 is locked (snapshot) by unrot's interrupted backup in run 20261126T021500Z-3fa9c2",
            lock: 'snapshot',
            attention: true,
            remedy: ['pct unlock 102'],
          },
        ],
      ),
    );
    expect(text).toContain('    | dpkg: error processing archive /var/cache/apt/archives/x.deb (--unpack):');
    expect(text).toContain('    | E: evil\\x1b[2J');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('skipped: locked (CT is locked (snapshot)) — NEEDS ATTENTION');
    expect(text).toContain("  NEEDS ATTENTION: CT 102 is locked (snapshot) by unrot's interrupted backup");
    expect(text).toContain('    - pct unlock 102');
    expect(text).toContain('1 needs attention');
  });
});
