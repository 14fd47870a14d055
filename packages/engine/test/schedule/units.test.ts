import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchedule, renderSchedule, resolveSchedule, runArgv } from '../../src/schedule/index.js';

// The timer and service exactly as `unrot schedule install` writes them, checked by systemd 252 itself.
const schedule = resolveSchedule({
  time_zone: 'Europe/Berlin',
  windows: [
    { days: ['sat', 'sun'], start: '23:00', duration: '3h' },
    { days: ['wed'], start: '02:30', duration: '90m' },
  ],
  quick_pass: [{ start: '12:00', duration: '1h' }],
  randomized_delay: '15m',
});
const program = [process.execPath, '/usr/lib/node_modules/@unrot/cli/bin/run.js'];

function writeUnits(): { dir: string; service: string; timer: string } {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-units-'));
  const files = renderSchedule({ kind: 'systemd', schedule, configDir: '/etc/unrot', program, source: '/etc/unrot/global.yml' });
  const service = join(dir, 'unrot.service');
  const timer = join(dir, 'unrot.timer');
  writeFileSync(service, files.get('/etc/systemd/system/unrot.service') ?? '');
  writeFileSync(timer, files.get('/etc/systemd/system/unrot.timer') ?? '');
  return { dir, service, timer };
}

/** `systemd-analyze verify` on unit files by path; it needs no --root, and --man=false skips man-page lookups. */
function verify(...paths: string[]) {
  const r = spawnSync('systemd-analyze', ['verify', '--man=false', ...paths], {
    encoding: 'utf8',
    env: { ...process.env, SYSTEMD_COLORS: '0' },
  });
  return { code: r.status, stderr: r.stderr.trim() };
}

describe('generated systemd units', () => {
  it('pass systemd-analyze verify without a single warning', () => {
    const { service, timer } = writeUnits();
    expect(verify(timer, service)).toEqual({ code: 0, stderr: '' });
  });

  it('have the directives the runbook promises', () => {
    const { service, timer } = writeUnits();
    const t = readFileSync(timer, 'utf8');
    expect(t).toContain('OnCalendar=Sat,Sun *-*-* 23:00:00 Europe/Berlin\n');
    expect(t).toContain('OnCalendar=Wed *-*-* 02:30:00 Europe/Berlin\n');
    expect(t).toContain('OnCalendar=*-*-* 12:00:00 Europe/Berlin\n');
    expect(t).toContain('RandomizedDelaySec=900\n');
    expect(t).toContain('Persistent=true\n');
    expect(t).toContain('WantedBy=timers.target\n');
    const s = readFileSync(service, 'utf8');
    expect(s).toContain('Type=oneshot\n');
    expect(s).toContain(`ExecStart=${process.execPath} /usr/lib/node_modules/@unrot/cli/bin/run.js run --config /etc/unrot\n`);
    // a stop reaches unrot only (it lets the in-flight pct call finish) and waits for the longest step to end
    expect(s).toContain('KillMode=mixed\n');
    expect(s).toContain('TimeoutStopSec=6060\n');
    // nothing that is inherited by `pct exec` and would break dpkg inside a container
    for (const banned of ['NoNewPrivileges', 'SystemCallFilter', 'CapabilityBoundingSet', 'RestrictSUIDSGID', 'ProtectControlGroups'])
      expect(s).not.toContain(banned);
  });

  it('TimeoutStopSec follows the step timeouts in defaults.timeouts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unrot-stop-'));
    writeFileSync(join(dir, 'global.yml'), 'defaults:\n  timeouts:\n    apply: 600\n    backup: 120\n    verify: 60\n');
    const loaded = await loadSchedule(dir);
    expect(loaded.stopTimeoutS).toBe(600 + 60 + 1800 + 60);
    const files = renderSchedule({
      kind: 'systemd',
      schedule,
      configDir: dir,
      program,
      source: loaded.globalFile,
      stopTimeoutS: loaded.stopTimeoutS,
    });
    expect(files.get('/etc/systemd/system/unrot.service')).toContain('TimeoutStopSec=2520\n');
  });

  it('every OnCalendar= is accepted by systemd-analyze calendar', () => {
    const t = readFileSync(writeUnits().timer, 'utf8');
    const specs = [...t.matchAll(/^OnCalendar=(.+)$/gm)].map((m) => m[1] ?? '');
    expect(specs).toHaveLength(3);
    for (const spec of specs) expect(spawnSync('systemd-analyze', ['calendar', spec]).status).toBe(0);
  });

  // The check above is only meaningful if verify really fails on broken units.
  it('verify is strict enough to be meaningful: a bad calendar fails, a bad key is reported', () => {
    const { service, timer } = writeUnits();
    writeFileSync(timer, readFileSync(timer, 'utf8').replace(/OnCalendar=.*/g, 'OnCalendar=Sun *-*-* 25:00:00'));
    expect(verify(timer, service).code).not.toBe(0);
    const second = writeUnits();
    writeFileSync(second.service, readFileSync(second.service, 'utf8').replace('Type=oneshot', 'Type=oneshoot'));
    const r = verify(second.timer, second.service);
    expect(r.stderr).toMatch(/Failed to parse service type/);
    const third = writeUnits();
    writeFileSync(third.service, readFileSync(third.service, 'utf8').replace(process.execPath, '/nonexistent/node'));
    expect(verify(third.timer, third.service).code).not.toBe(0);
  });

  it('refuses program paths that systemd or cron would reinterpret', () => {
    expect(() => runArgv(['/opt/my unrot/bin/unrot'], '/etc/unrot')).toThrow(/unquoted/);
    expect(() => runArgv(['/opt/unrot%h/bin/unrot'], '/etc/unrot')).toThrow(/unquoted/);
    expect(() => runArgv(['unrot'], '/etc/unrot')).toThrow(/absolute path/);
    expect(() => runArgv(['/usr/bin/unrot'], '/etc/un rot')).toThrow(/unquoted/);
    expect(runArgv(['/usr/bin/unrot'], '/etc/unrot')).toEqual(['/usr/bin/unrot', 'run', '--config', '/etc/unrot']);
  });
});
