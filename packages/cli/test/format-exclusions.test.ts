import type { ContainerReport } from '@unrot/engine';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/lib/format-report.js';
import { oneContainerReport } from './one-container-report.js';

// What `unrot plan` and `unrot run` print for exclusions.paths (guardedPaths) and
// exclusions.services (restart.excluded).
const container = (extra: Partial<ContainerReport>): ContainerReport => ({
  vmid: 101,
  name: 'web101',
  status: 'running',
  unprivileged: false,
  tags: [],
  outcome: 'planned',
  runners: [],
  changingCommands: 0,
  durationMs: 0,
  ...extra,
});
const report = oneContainerReport;
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('exclusions in the human report', () => {
  it('a plan names the guarded paths and the units it will not restart', () => {
    const text = formatReport(
      report(
        container({
          guardedPaths: { planned: true, paths: [{ path: '/etc/app.conf' }, { path: '/etc/ssh/sshd_config' }] },
          restart: { when: 'changed', planned: true, units: [], excluded: ['postgresql.service'] },
        }),
        true,
      ),
    );
    expect(text).toContain('  guarded (exclusions.paths, hashed before and after apply): /etc/app.conf, /etc/ssh/sshd_config');
    expect(text).toContain('  postgresql.service: not restarted: excluded (exclusions.services)');
  });

  it('a run shows each guarded path unchanged or CHANGED with both states', () => {
    const text = formatReport(
      report(
        container({
          outcome: 'rolled-back',
          guardedPaths: {
            planned: false,
            paths: [
              { path: '/etc/app.conf', before: A, after: A },
              { path: '/etc/new', before: 'absent', after: B },
            ],
          },
        }),
        false,
      ),
    );
    expect(text).toContain('  guarded /etc/app.conf: unchanged');
    expect(text).toContain(`  guarded /etc/new: CHANGED absent → ${B}`);
  });
});
