import type { ContainerReport } from '@unrot/engine';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/lib/format-report.js';
import { oneContainerReport } from './one-container-report.js';

// What `unrot plan` and `unrot run` print for policy `restart`: every command of a plan with its
// host argv, and after a run what came back.
const pct = (...argv: string[]) => ['pct', 'exec', '102', '--', ...argv];
const container = (restart: ContainerReport['restart'], extra: Partial<ContainerReport> = {}): ContainerReport => ({
  vmid: 102,
  name: 'py102',
  status: 'running',
  unprivileged: true,
  tags: [],
  outcome: 'planned',
  runners: [],
  changingCommands: 0,
  durationMs: 0,
  ...(restart ? { restart } : {}),
  ...extra,
});
const report = oneContainerReport;

describe('restart in the human report', () => {
  it('a plan lists units, each process command and each compose command with its host argv', () => {
    const text = formatReport(
      report(
        container({
          when: 'changed',
          planned: true,
          units: [],
          processes: [
            {
              name: 'py-app',
              match: "cmdline '^/opt/py-app/venv/bin/python '",
              find: { argv: [], hostArgv: pct('pgrep', '-f', '--', '^/opt/py-app/venv/bin/python ') },
              stop: { argv: [], hostArgv: pct('kill', '-s', 'TERM', '<pids>') },
            },
          ],
          compose: [
            {
              projectDir: '/opt/stack',
              action: 'recreate',
              services: [],
              commands: [
                { argv: [], hostArgv: pct('docker', 'compose', '--project-directory', '/opt/stack', 'up', '--detach', '--force-recreate') },
              ],
              wait: {
                argv: [],
                hostArgv: pct('docker', 'compose', '--project-directory', '/opt/stack', 'ps', '--all', '--format', 'json'),
              },
            },
          ],
        }),
        true,
      ),
    );
    expect(text).toContain("  then restart process py-app (cmdline '^/opt/py-app/venv/bin/python '):\n");
    expect(text).toContain("    find: pct exec 102 -- pgrep -f -- '^/opt/py-app/venv/bin/python '\n");
    expect(text).toContain("    stop: pct exec 102 -- kill -s TERM '<pids>'\n");
    expect(text).toContain('    start: left to its supervisor; wait for a new PID\n');
    expect(text).toContain(
      '  then recreate compose project /opt/stack:\n    pct exec 102 -- docker compose --project-directory /opt/stack up --detach --force-recreate\n',
    );
    expect(text).toContain('    wait: pct exec 102 -- docker compose --project-directory /opt/stack ps --all --format json\n');
  });

  it('a run says what came back, and why a restart failed', () => {
    const text = formatReport(
      report(
        container(
          {
            when: 'changed',
            planned: false,
            units: [],
            processes: [
              {
                name: 'py-app',
                match: "cmdline '^x'",
                find: { argv: [], hostArgv: [] },
                stop: { argv: [], hostArgv: [] },
                oldPids: [120],
                newPids: [151],
                escalated: false,
                state: 'failed',
                detail: 'new PID 151 exited within settle_s 3 s after it started',
              },
            ],
          },
          { outcome: 'rolled-back' },
        ),
        false,
      ),
    );
    expect(text).toContain(
      '  restarted process py-app: failed (PID 120 → 151) — new PID 151 exited within settle_s 3 s after it started\n',
    );
  });
});
