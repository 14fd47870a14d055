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

  it('remove deletes exactly what install wrote and keeps an edited file', async () => {
    const t = target();
    await installSchedule({ ...base, ...t, kind: 'systemd' });
    writeFileSync(join(t.root, 'etc/systemd/system/other.service'), '[Service]\nExecStart=/bin/true\n');
    writeFileSync(join(t.root, 'etc/systemd/system/unrot.service'), '# edited by hand\n');
    const r = await removeSchedule(t);
    expect(r).toEqual({ kind: 'systemd', removed: ['/etc/systemd/system/unrot.timer'], kept: ['/etc/systemd/system/unrot.service'], missing: [], systemctl: [] });
    expect(existsSync(join(t.root, 'etc/systemd/system/other.service'))).toBe(true);
    // the manifest stays while something it lists is left, so a forced remove can finish the job
    const forced = await removeSchedule({ ...t, force: true });
    expect(forced.removed).toEqual(['/etc/systemd/system/unrot.service']);
    expect(forced.missing).toEqual(['/etc/systemd/system/unrot.timer']);
    expect(await readManifest(t)).toBeNull();
    expect(await removeSchedule(t)).toEqual({ kind: null, removed: [], kept: [], missing: [], systemctl: [] });
  });
});
