import type { ContainerReport, RunReport } from '@unrot/engine';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/lib/format-report.js';

// The hook lines of `unrot run`: a veto, a host hook, and on_rollback / on_failure warnings.
const report = (ct: Partial<ContainerReport>): RunReport =>
  ({
    runId: 'r1',
    dryRun: false,
    host: { node: 'pve1' },
    logDir: '/var/lib/unrot/runs/r1',
    recoveries: [],
    containers: [
      { vmid: 101, name: 'web', status: 'running', unprivileged: true, tags: [], runners: [], changingCommands: 0, durationMs: 0, ...ct },
    ],
    summary: {
      containers: 1,
      updated: 0,
      rolledBack: 0,
      cutShort: 0,
      needsAttention: 0,
      nothingToDo: 0,
      planned: 0,
      skipped: 0,
      failed: 0,
      packagesChanged: 0,
    },
  }) as unknown as RunReport;

describe('hook lines', () => {
  it('a veto: the skip line names the hook and its reason', () => {
    const text = formatReport(
      report({
        outcome: 'skipped',
        skipReason: 'vetoed',
        skipDetail: 'pre_update hook ["/usr/local/bin/veto-if-busy"] vetoed the update: nightly import running; snapshot unrot-x deleted',
        hooks: {
          preUpdate: [
            {
              argv: ['/usr/local/bin/veto-if-busy'],
              hostArgv: ['/usr/local/sbin/x'],
              planned: false,
              where: 'host',
              exitCode: 75,
              vetoed: true,
            },
          ],
          postUpdate: [],
        },
      }),
    );
    expect(text).toContain('skipped: vetoed (pre_update hook ["/usr/local/bin/veto-if-busy"] vetoed the update: nightly import running;');
    // The skip line is the whole story: the detail names the hook and its reason.
    expect(text).not.toContain('pre_update ran');
  });

  it('on_rollback / on_failure lines carry their warning', () => {
    const text = formatReport(
      report({
        outcome: 'rolled-back',
        hooks: {
          preUpdate: [],
          postUpdate: [],
          onRollback: [
            { argv: ['true'], hostArgv: ['pct', 'exec', '101', '--', 'true'], planned: false, exitCode: 0 },
            { argv: ['/usr/local/sbin/lb-undrain'], hostArgv: ['/usr/local/sbin/lb-undrain'], planned: false, where: 'host', exitCode: 0 },
          ],
          onFailure: [
            {
              argv: ['page'],
              hostArgv: ['pct', 'exec', '101', '--', 'page'],
              planned: false,
              exitCode: 1,
              warning: 'E_HOOK_FAILED: on-failure hook ["page"] exited 1',
            },
          ],
        },
      }),
    );
    expect(text).toContain('on_rollback ran: pct exec 101 -- true → exit 0');
    expect(text).toContain('on_rollback ran on the host: /usr/local/sbin/lb-undrain → exit 0');
    expect(text).toContain('on_failure ran: pct exec 101 -- page → exit 1 (warning: E_HOOK_FAILED: on-failure hook ["page"] exited 1)');
  });
});
