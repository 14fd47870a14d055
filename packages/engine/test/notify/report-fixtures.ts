import type { ContainerReport } from '../../src/lifecycle/container-result.js';
import { REPORT_SCHEMA_ID, type RunReport } from '../../src/report/run-report.js';

type Outcome = ContainerReport['outcome'];

export function ct(vmid: number, outcome: Outcome, extra: Partial<ContainerReport> = {}): ContainerReport {
  const updated = outcome === 'updated';
  return {
    vmid,
    name: `ct${vmid}`,
    status: 'running',
    unprivileged: true,
    tags: [],
    outcome,
    runners: updated
      ? [
          {
            id: 'apt',
            applicable: true,
            updates: [{ name: 'openssl', from: '3.0.1', to: '3.0.2' }],
            withheld: [],
            plan: [],
            changed: [
              { name: 'openssl', from: '3.0.1', to: '3.0.2' },
              { name: 'libssl3', from: '3.0.1', to: '3.0.2' },
            ],
            durationsMs: {},
          },
        ]
      : [],
    changingCommands: updated ? 1 : 0,
    durationMs: 1000,
    ...(outcome === 'failed'
      ? { error: { step: 'apply', runner: 'apt', code: 'E_EXEC_FAILED', message: `dpkg failed in CT ${vmid}` } }
      : {}),
    ...extra,
  };
}

/** A run report as runUnrot builds it: summary counted from the containers. */
export function makeReport(containers: ContainerReport[], extra: Partial<RunReport> = {}): RunReport {
  const count = (o: string) => containers.filter((c) => (c.outcome as string) === o).length;
  const failed = count('failed');
  return {
    schema: REPORT_SCHEMA_ID,
    runId: '20261126T021500Z-3fa9c2',
    dryRun: false,
    startedAt: '2026-11-26T02:15:00.000Z',
    finishedAt: '2026-11-26T02:17:05.000Z',
    durationMs: 125_000,
    unrotVersion: '0.1.0',
    host: { node: 'pve1', hostname: 'pve1.example' },
    configDir: '/etc/unrot',
    selection: { cts: [], tags: [] },
    exitCode: failed > 0 ? 1 : 0,
    summary: {
      containers: containers.length,
      updated: count('updated'),
      rolledBack: count('rolled-back'),
      nothingToDo: count('nothing-to-do'),
      planned: count('planned'),
      skipped: count('skipped'),
      failed,
      packagesChanged: containers.reduce((n, c) => n + c.runners.reduce((m, r) => m + r.changed.length, 0), 0),
    },
    containers,
    recoveries: [],
    logDir: '/var/lib/unrot/runs/20261126T021500Z-3fa9c2',
    ...extra,
  };
}
