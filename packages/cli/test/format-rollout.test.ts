import type { ContainerReport, RunReport } from '@unrot/engine';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/lib/format-report.js';

// `unrot plan` / `unrot run` with `rollout:` in global.yml: the waves, who is in each, where the
// rollout stands and the versions later waves are held to (issue 17).
const skipped = (vmid: number, skipReason: string, skipDetail: string): ContainerReport => ({
  vmid,
  name: `ct${vmid}`,
  status: 'running',
  unprivileged: true,
  tags: [],
  outcome: 'skipped',
  skipReason,
  skipDetail,
  skipClass: 'cut-short',
  runners: [],
  changingCommands: 0,
  durationMs: 0,
});

describe('staged rollout in the human report', () => {
  it('lists every wave with its containers and status, the canary first, and the pinned versions', () => {
    const rollout: NonNullable<RunReport['rollout']> = {
      status: 'halted',
      detail: "wave 'canary': 1 container was rolled back (halt_on_rollback)",
      waves: [
        { name: 'canary', vmids: [101], status: 'halted', ran: 1, failed: 1, rolledBack: 1, detail: 'rolled back' },
        { name: 'web', vmids: [102, 103], status: 'skipped', detail: 'rollout halted' },
        { name: 'rest', vmids: [], status: 'skipped', detail: 'rollout halted' },
      ],
      unassigned: [104],
      pins: { apt: { curl: ['7.88.1-10+deb12u5'] } },
    };
    const text = formatReport({
      runId: 'r1',
      dryRun: false,
      host: { node: 'pve1' },
      logDir: '/var/lib/unrot/runs/r1',
      containers: [skipped(102, 'rollout-halted', 'rollout halted: wave canary')],
      recoveries: [],
      rollout,
      summary: {
        containers: 1,
        updated: 0,
        rolledBack: 0,
        cutShort: 1,
        nothingToDo: 0,
        planned: 0,
        skipped: 1,
        failed: 0,
        packagesChanged: 0,
      },
    } as unknown as RunReport);
    expect(text).toContain("staged rollout: halted — wave 'canary': 1 container was rolled back (halt_on_rollback)");
    expect(text).toContain('  wave 1 canary (canary): CT 101 — halted (1 ran, 1 failed, 1 rolled back): rolled back');
    expect(text).toContain('  wave 2 web: CT 102, CT 103 — skipped: rollout halted');
    expect(text).toContain('  wave 3 rest: no container — skipped');
    expect(text).toContain('  in no wave (not updated): CT 104');
    expect(text).toContain('  pinned to the canary (apt): curl 7.88.1-10+deb12u5');
    expect(text.indexOf('staged rollout')).toBeLessThan(text.indexOf('CT 102 ct102'));
  });
});
