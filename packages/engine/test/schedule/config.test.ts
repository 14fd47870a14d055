import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { admissionGate, HOUR_MS, loadSchedule, MINUTE_MS, mayStartNow, parseDuration, passAt } from '../../src/schedule/index.js';

function dirWith(global: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-sched-cfg-'));
  writeFileSync(join(dir, 'global.yml'), global);
  return dir;
}

describe('maintenance: policy block', () => {
  it('parses durations', () => {
    expect(parseDuration('3h')).toBe(3 * HOUR_MS);
    expect(parseDuration('90m')).toBe(90 * MINUTE_MS);
    expect(parseDuration('1d2h30m')).toBe(26.5 * HOUR_MS);
    for (const bad of ['', '3', '3 h', '1m2h', '1.5h', '-1h']) expect(() => parseDuration(bad)).toThrow(/not a duration/);
  });

  it('defaults to a weekly Sunday 02:00 window of 4h in the host zone', async () => {
    const { schedule } = await loadSchedule(dirWith('max_concurrency: 2\n'), 'Europe/Berlin');
    expect(schedule.timeZone).toBe('Europe/Berlin');
    expect(schedule.full.windows).toEqual([{ days: ['sun'], start: '02:00', durationMs: 4 * HOUR_MS }]);
    expect(schedule.quick.windows).toEqual([]);
    expect(schedule.randomizedDelayMs).toBe(10 * MINUTE_MS);
    expect(schedule.cutoffMs).toBe(30 * MINUTE_MS);
  });

  it('reports every problem with file, line and key path', async () => {
    const dir = dirWith(
      [
        'maintenance:',
        '  time_zone: Mars/Olympus',
        '  windows:',
        '    - days: [sat, sonday]',
        '      start: "2:00"',
        '      duration: 3h',
        '    - start: "01:00"',
        '      duration: 20m',
        '  cutoff: 30',
      ].join('\n'),
    );
    const err = await loadSchedule(dir).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'E_CONFIG' });
    const msg = (err as Error).message;
    expect(msg).toMatch(/global\.yml:4:\d+ maintenance\.windows\[0\]\.days\[1\]/);
    expect(msg).toMatch(/global\.yml:5:\d+ maintenance\.windows\[0\]\.start/);
    expect(msg).toMatch(/global\.yml:9:\d+ maintenance\.cutoff/);
  });

  it('checks what the schema cannot: the zone and room for jitter and cutoff', async () => {
    const dir = dirWith(
      [
        'maintenance:',
        '  time_zone: Mars/Olympus',
        '  windows:',
        '    - start: "01:00"',
        '      duration: 20m',
        '  randomized_delay: 0m',
      ].join('\n'),
    );
    const msg = ((await loadSchedule(dir).catch((e: unknown) => e)) as Error).message;
    expect(msg).toMatch(/global\.yml:2:\d+ maintenance\.time_zone: unknown time zone 'Mars\/Olympus'/);
    expect(msg).toMatch(/global\.yml:5:\d+ maintenance\.windows\[0\]\.duration: a 20m window leaves no time/);
  });

  it('runs the quick pass only for low-risk containers, and a full window for everyone', async () => {
    const { schedule } = await loadSchedule(
      dirWith(
        [
          'maintenance:',
          '  time_zone: UTC',
          '  windows: [{days: [sun], start: "02:00", duration: 4h}]',
          '  quick_pass: [{start: "12:00", duration: 1h}]',
        ].join('\n'),
      ),
    );
    const noon = new Date('2026-11-25T12:10:00Z'); // a Wednesday
    expect(passAt(schedule, noon)?.kind).toBe('quick');
    expect(mayStartNow(schedule, noon, 'low')).toMatchObject({ allowed: true, pass: 'quick' });
    expect(mayStartNow(schedule, noon, 'normal')).toMatchObject({ allowed: false, reason: 'outside-window', pass: null });
    const sunday = new Date('2026-11-29T03:00:00Z');
    expect(mayStartNow(schedule, sunday, 'normal')).toMatchObject({ allowed: true, pass: 'full' });
    expect(mayStartNow(schedule, new Date('2026-11-25T12:45:00Z'), 'low')).toMatchObject({
      allowed: false,
      reason: 'window-closing',
      pass: 'quick',
    });
  });

  it('a run judges every later container against the windows open when it started', async () => {
    const { schedule } = await loadSchedule(
      dirWith(
        [
          'maintenance:',
          '  time_zone: UTC',
          '  windows:',
          '    - {days: [sun], start: "02:00", duration: 2h}',
          '    - {days: [sun], start: "05:00", duration: 2h}',
        ].join('\n'),
      ),
    );
    const gate = admissionGate(schedule, new Date('2026-11-29T03:00:00Z'));
    expect(gate.full).toEqual({ start: new Date('2026-11-29T02:00:00Z'), end: new Date('2026-11-29T04:00:00Z') });
    expect(gate.mayStart(new Date('2026-11-29T03:20:00Z'))).toMatchObject({ allowed: true });
    expect(gate.mayStart(new Date('2026-11-29T03:40:00Z'))).toMatchObject({ allowed: false, reason: 'window-closing' });
    // 05:10 is inside the next window, but that window gets its own run from its own timer elapse
    expect(gate.mayStart(new Date('2026-11-29T05:10:00Z'))).toMatchObject({ allowed: false, reason: 'outside-window' });
    expect(mayStartNow(schedule, new Date('2026-11-29T05:10:00Z'))).toMatchObject({ allowed: true, pass: 'full' });
    expect(admissionGate(schedule, new Date('2026-11-29T04:30:00Z')).full).toBeNull();
  });
});
