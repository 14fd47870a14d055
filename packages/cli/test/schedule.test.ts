import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cronFileProblems } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';

// `unrot schedule` as an admin runs it, always with --root so nothing reaches this machine's
// /etc. A recording `systemctl` on PATH proves --root never calls systemd.
const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/run.js');
let work: string;
let trace: string;
let env: NodeJS.ProcessEnv;

function unrot(args: string[], tz = 'UTC') {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...env, TZ: tz }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function configDir(global: string): string {
  const dir = mkdtempSync(join(work, 'cfg-'));
  writeFileSync(join(dir, 'global.yml'), global);
  return dir;
}

const BERLIN = [
  'maintenance:',
  '  time_zone: Europe/Berlin',
  '  windows:',
  '    - days: [sat, sun]',
  '      start: "23:00"',
  '      duration: 3h',
  '  quick_pass:',
  '    - start: "12:00"',
  '      duration: 1h',
  '  randomized_delay: 15m',
  '',
].join('\n');

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'unrot-schedule-cli-'));
  trace = join(work, 'systemctl-calls');
  const fakeBin = join(work, 'bin');
  mkdirSync(fakeBin);
  writeFileSync(join(fakeBin, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${trace}\n`);
  chmodSync(join(fakeBin, 'systemctl'), 0o755);
  env = { ...process.env, PATH: `${fakeBin}:${process.env['PATH']}` };
});

describe('unrot schedule', () => {
  it('lists its commands and flags', () => {
    const help = unrot(['schedule', 'install', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--cron', '--root', '--unrot-bin', '--force', '--config']) expect(help.stdout).toContain(flag);
    const topic = unrot(['schedule', '--help']);
    for (const cmd of ['schedule install', 'schedule remove', 'schedule show']) expect(topic.stdout).toContain(cmd);
  });

  it('install --root writes a timer and service that systemd-analyze verify accepts, without calling systemctl', () => {
    const root = mkdtempSync(join(work, 'root-'));
    const cfg = configDir(BERLIN);
    const r = unrot(['schedule', 'install', '--config', cfg, '--root', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${root}/etc/systemd/system/unrot.timer`);
    expect(r.stdout).toContain('--root: systemctl not run');
    const service = join(root, 'etc/systemd/system/unrot.service');
    const timer = join(root, 'etc/systemd/system/unrot.timer');
    expect(readFileSync(service, 'utf8')).toContain(`ExecStart=${process.execPath} ${realpathSync(bin)} run --config ${cfg}\n`);
    const t = readFileSync(timer, 'utf8');
    expect(t).toContain('OnCalendar=Sat,Sun *-*-* 23:00:00 Europe/Berlin\n');
    expect(t).toContain('OnCalendar=*-*-* 12:00:00 Europe/Berlin\n');
    expect(t).toContain('RandomizedDelaySec=900\n');
    const verify = spawnSync('systemd-analyze', ['verify', '--man=false', timer, service], {
      encoding: 'utf8',
      env: { ...env, SYSTEMD_COLORS: '0' },
    });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    expect(existsSync(trace)).toBe(false);
  });

  it('show reports the files, the windows and the next elapse at a given instant', () => {
    const root = mkdtempSync(join(work, 'root-'));
    const cfg = configDir(BERLIN);
    expect(unrot(['schedule', 'install', '--config', cfg, '--root', root]).code).toBe(0);
    const r = unrot(['schedule', 'show', '--config', cfg, '--root', root, '--now', '2026-11-26T13:30:00Z']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^installed: systemd timer unrot\.timer at /m);
    expect(r.stdout).toContain('/etc/systemd/system/unrot.timer: installed');
    expect(r.stdout).toContain('window: sat,sun 23:00 for 3h');
    expect(r.stdout).toContain('next window: 2026-11-28 23:00 Europe/Berlin (UTC+01:00) – 2026-11-29 02:00 Europe/Berlin (UTC+01:00)');
    // 13:30Z is 14:30 in Berlin: today's 12:00 quick pass is over, tomorrow's comes first
    expect(r.stdout).toContain('next elapse: 2026-11-27 12:00 Europe/Berlin (UTC+01:00) plus a random delay of up to 15m');
    const json = JSON.parse(unrot(['schedule', 'show', '--config', cfg, '--root', root, '--now', '2026-11-26T13:30:00Z', '--json']).stdout);
    expect(json.installed.kind).toBe('systemd');
    expect(json.schedule.nextWindow.start).toBe('2026-11-28T22:00:00.000Z');
    // an edited unit shows up as such
    writeFileSync(join(root, 'etc/systemd/system/unrot.timer'), '# mine now\n');
    expect(unrot(['schedule', 'show', '--config', cfg, '--root', root]).stdout).toContain('/etc/systemd/system/unrot.timer: modified');
  });

  it('install --cron writes a valid /etc/cron.d file in the host zone and refuses another zone', () => {
    const root = mkdtempSync(join(work, 'root-'));
    const refused = unrot(['schedule', 'install', '--cron', '--config', configDir(BERLIN), '--root', root], 'UTC');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cron runs in the host time zone \(UTC\) but the windows are in Europe\/Berlin/);
    expect(existsSync(join(root, 'etc/cron.d/unrot'))).toBe(false);

    const cfg = configDir(BERLIN);
    const r = unrot(
      ['schedule', 'install', '--cron', '--config', cfg, '--root', root, '--unrot-bin', '/usr/local/bin/unrot'],
      'Europe/Berlin',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = readFileSync(join(root, 'etc/cron.d/unrot'), 'utf8');
    expect(cronFileProblems(text)).toEqual([]);
    expect(text).toContain(`0 23 * * 0,6 root /usr/local/bin/unrot run --config ${cfg}\n`);
    expect(text).toContain(`0 12 * * * root /usr/local/bin/unrot run --config ${cfg}\n`);
  });

  it('remove undoes exactly what install wrote', () => {
    const root = mkdtempSync(join(work, 'root-'));
    const cfg = configDir('{}\n');
    expect(unrot(['schedule', 'install', '--config', cfg, '--root', root]).code).toBe(0);
    writeFileSync(join(root, 'etc/systemd/system/sshd-keygen.service'), '[Service]\nExecStart=/bin/true\n');
    const r = unrot(['schedule', 'remove', '--root', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`removed ${root}/etc/systemd/system/unrot.timer`);
    expect(existsSync(join(root, 'etc/systemd/system/unrot.timer'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/unrot.service'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/unrot/schedule-install.json'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/sshd-keygen.service'))).toBe(true);
    expect(unrot(['schedule', 'remove', '--root', root]).stdout).toContain('nothing installed');
    expect(existsSync(trace)).toBe(false);
  });

  it('leaves a unit it did not write alone unless --force', () => {
    const root = mkdtempSync(join(work, 'root-'));
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    writeFileSync(join(root, 'etc/systemd/system/unrot.timer'), '[Timer]\nOnCalendar=hourly\n');
    const r = unrot(['schedule', 'install', '--config', configDir('{}\n'), '--root', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unrot\.timer exists and was not written by unrot schedule install/);
    expect(readFileSync(join(root, 'etc/systemd/system/unrot.timer'), 'utf8')).toBe('[Timer]\nOnCalendar=hourly\n');
  });

  it('rejects an invalid maintenance block with file, line and key path, writing nothing', () => {
    const root = mkdtempSync(join(work, 'root-'));
    const cfg = configDir('maintenance:\n  windows:\n    - start: "25:00"\n      duration: 3 hours\n');
    const r = unrot(['schedule', 'install', '--config', cfg, '--root', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/global\.yml:3:\d+ maintenance\.windows\[0\]\.start/);
    expect(r.stderr).toMatch(/global\.yml:4:\d+ maintenance\.windows\[0\]\.duration/);
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });
});
