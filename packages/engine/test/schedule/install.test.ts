import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStates, installSchedule, readManifest, removeSchedule, resolveSchedule, type Systemctl } from '../../src/schedule/index.js';

const schedule = resolveSchedule({ time_zone: 'UTC' });
const base = { schedule, configDir: '/etc/unrot', program: ['/usr/bin/unrot'], source: '/etc/unrot/global.yml', hostTimeZone: 'UTC' };

function target() {
  const root = mkdtempSync(join(tmpdir(), 'unrot-root-'));
  const calls: string[][] = [];
  const systemctl: Systemctl = async (args) => {
    calls.push(args);
  };
  return { root, calls, systemctl };
}

describe('schedule install/remove under --root', () => {
  it('writes the units and a manifest, and never calls systemctl', async () => {
    const t = target();
    const r = await installSchedule({ ...base, ...t, kind: 'systemd' });
    expect(t.calls).toEqual([]);
    expect(r.manifest.files.map((f) => f.path)).toEqual(['/etc/systemd/system/unrot.service', '/etc/systemd/system/unrot.timer']);
    expect(r.manifest.enabled).toBe(false);
    expect(statSync(join(t.root, 'etc/systemd/system/unrot.timer')).mode & 0o777).toBe(0o644);
    expect(await fileStates(t, r.manifest)).toEqual([
      { path: '/etc/systemd/system/unrot.service', state: 'installed' },
      { path: '/etc/systemd/system/unrot.timer', state: 'installed' },
    ]);
    // idempotent: a second install over its own files succeeds and writes the same bytes
    const before = readFileSync(join(t.root, 'etc/systemd/system/unrot.timer'), 'utf8');
    await installSchedule({ ...base, ...t, kind: 'systemd' });
    expect(readFileSync(join(t.root, 'etc/systemd/system/unrot.timer'), 'utf8')).toBe(before);
  });

  it('refuses to overwrite a unit it did not write, unless forced', async () => {
    const t = target();
    mkdirSync(join(t.root, 'etc/systemd/system'), { recursive: true });
    writeFileSync(join(t.root, 'etc/systemd/system/unrot.timer'), '[Timer]\nOnCalendar=daily\n');
    await expect(installSchedule({ ...base, ...t, kind: 'systemd' })).rejects.toThrow(/was not written by unrot schedule install/);
    expect(readFileSync(join(t.root, 'etc/systemd/system/unrot.timer'), 'utf8')).toBe('[Timer]\nOnCalendar=daily\n');
    await installSchedule({ ...base, ...t, kind: 'systemd', force: true });
    expect(readFileSync(join(t.root, 'etc/systemd/system/unrot.timer'), 'utf8')).toContain('OnCalendar=Sun *-*-* 02:00:00 UTC');
  });

  it('switching to cron removes the units it had written', async () => {
    const t = target();
    await installSchedule({ ...base, ...t, kind: 'systemd' });
    const r = await installSchedule({ ...base, ...t, kind: 'cron' });
    expect(r.removed).toEqual(['/etc/systemd/system/unrot.service', '/etc/systemd/system/unrot.timer']);
    expect(existsSync(join(t.root, 'etc/systemd/system/unrot.timer'))).toBe(false);
    expect(readFileSync(join(t.root, 'etc/cron.d/unrot'), 'utf8')).toContain('0 2 * * 0 root /usr/bin/unrot run --config /etc/unrot\n');
    expect((await readManifest(t))?.kind).toBe('cron');
  });

  it('does not switch to cron while an edited unit would be left behind', async () => {
    const t = target();
    await installSchedule({ ...base, ...t, kind: 'systemd' });
    writeFileSync(join(t.root, 'etc/systemd/system/unrot.timer'), '# tuned by hand\n');
    await expect(installSchedule({ ...base, ...t, kind: 'cron' })).rejects.toThrow(/unrot\.timer was edited since install/);
    expect(existsSync(join(t.root, 'etc/cron.d/unrot'))).toBe(false);
    expect(existsSync(join(t.root, 'etc/systemd/system/unrot.service'))).toBe(true);
    expect((await readManifest(t))?.kind).toBe('systemd');
  });

  it('remove deletes exactly what install wrote and keeps an edited file', async () => {
    const t = target();
    await installSchedule({ ...base, ...t, kind: 'systemd' });
    writeFileSync(join(t.root, 'etc/systemd/system/other.service'), '[Service]\nExecStart=/bin/true\n');
    writeFileSync(join(t.root, 'etc/systemd/system/unrot.service'), '# edited by hand\n');
    const r = await removeSchedule(t);
    expect(r).toEqual({
      kind: 'systemd',
      removed: ['/etc/systemd/system/unrot.timer'],
      kept: ['/etc/systemd/system/unrot.service'],
      missing: [],
      systemctl: [],
    });
    expect(existsSync(join(t.root, 'etc/systemd/system/other.service'))).toBe(true);
    // the manifest stays while something it lists is left, so a forced remove can finish the job
    const forced = await removeSchedule({ ...t, force: true });
    expect(forced.removed).toEqual(['/etc/systemd/system/unrot.service']);
    expect(forced.missing).toEqual(['/etc/systemd/system/unrot.timer']);
    expect(await readManifest(t)).toBeNull();
    expect(await removeSchedule(t)).toEqual({ kind: null, removed: [], kept: [], missing: [], systemctl: [] });
  });

  it('on a real host reloads, enables and later disables the timer, in that order', async () => {
    // files still go below a temp root; only the systemctl sequencing is exercised (recorded, not run)
    const t = target();
    const real = { ...t, manageSystemd: true };
    const installed = await installSchedule({ ...base, ...real, kind: 'systemd' });
    expect(installed.systemctl).toEqual([['daemon-reload'], ['enable', '--now', 'unrot.timer']]);
    expect(installed.manifest.enabled).toBe(true);
    const switched = await installSchedule({ ...base, ...real, kind: 'cron' });
    expect(switched.systemctl).toEqual([['disable', '--now', 'unrot.timer'], ['daemon-reload']]);
    expect(switched.manifest.enabled).toBe(false);
    expect((await removeSchedule(real)).systemctl).toEqual([]);
    expect(t.calls).toEqual([
      ['daemon-reload'],
      ['enable', '--now', 'unrot.timer'],
      ['disable', '--now', 'unrot.timer'],
      ['daemon-reload'],
    ]);
  });

  it('a failing systemctl is a coded host error', async () => {
    const t = target();
    const failing: Systemctl = async () => {
      throw Object.assign(new Error('systemctl enable --now unrot.timer failed: Access denied'), { code: 'E_EXEC_FAILED' });
    };
    await expect(installSchedule({ ...base, root: t.root, manageSystemd: true, systemctl: failing, kind: 'systemd' })).rejects.toThrow(
      /Access denied/,
    );
  });
});
