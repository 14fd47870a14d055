import { describe, expect, it } from 'vitest';
import {
  cronFileProblems,
  cronLineProblems,
  cronTimeFields,
  isValidCronFileName,
  renderSchedule,
  resolveSchedule,
} from '../../src/schedule/index.js';

describe('cron line validator', () => {
  it.each([
    '0 2 * * 0 root /usr/bin/unrot run',
    '30 23 * * 0,6 root /usr/bin/unrot run --config /etc/unrot',
    '*/15 0-6/2 1,15 jan mon root /x',
    '59 23 31 12 7 root /x',
    '0 0 * * sun root /x',
    '@daily root /usr/bin/unrot run',
    '5\t4\t*\t*\t*\tbackup_user /x',
  ])('accepts %s', (line) => expect(cronLineProblems(line)).toEqual([]));

  it.each([
    ['60 2 * * 0 root /x', /minute: 60 is outside 0–59/],
    ['0 24 * * 0 root /x', /hour: 24 is outside 0–23/],
    ['0 2 0 * * root /x', /day of month: 0 is outside 1–31/],
    ['0 2 * 13 * root /x', /month: 13 is outside 1–12/],
    ['0 2 * * 8 root /x', /day of week: 8 is outside 0–7/],
    ['0 2 * * mon-fri root /x', /day of week: 'mon' is not a number/],
    ['0 6-2 * * * root /x', /range 6-2 runs backwards/],
    ['*/0 * * * * root /x', /step '0'/],
    ['5/10 * * * * root /x', /a step needs \* or a range/],
    ['0 2 * * root /x', /day of week|user/],
    ['0 2 * * 0 /usr/bin/unrot run', /not a user name/],
    ['0 2 * * 0 Root /x', /not a user name/],
    ['0 2 * * 0 root unrot run', /absolute path/],
    ['0 2 * * 0 root /usr/bin/date +%F', /%/],
    ['@fortnightly root /x', /not a cron @keyword/],
    ['0 2 * *', /expected 5 time fields/],
  ])('rejects %s', (line, problem) => {
    expect(cronLineProblems(line).join('\n')).toMatch(problem);
  });

  it('checks whole files: trailing newline, env lines, at least one job', () => {
    expect(cronFileProblems('SHELL=/bin/sh\n# c\n\n0 2 * * 0 root /x\n')).toEqual([]);
    expect(cronFileProblems('0 2 * * 0 root /x')).toEqual(['the file must end with a newline (cron ignores an unterminated last line)']);
    expect(cronFileProblems('# nothing\n')).toEqual(['no job lines']);
    expect(cronFileProblems('0 2 * * 0 root /x\n61 * * * * root /x\n')).toEqual(['line 2: minute: 61 is outside 0–59']);
    expect(isValidCronFileName('unrot')).toBe(true);
    expect(isValidCronFileName('unrot.cron')).toBe(false);
  });
});

describe('generated cron file', () => {
  it('maps windows to cron fields with Sunday = 0', () => {
    expect(cronTimeFields({ days: ['sun'], start: '02:00', durationMs: 1 })).toBe('0 2 * * 0');
    expect(cronTimeFields({ days: ['sat', 'sun'], start: '23:05', durationMs: 1 })).toBe('5 23 * * 0,6');
    expect(cronTimeFields({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '12:30', durationMs: 1 })).toBe('30 12 * * *');
  });

  it('writes one valid job per window start, with the user field', () => {
    const schedule = resolveSchedule({
      time_zone: 'UTC',
      windows: [{ days: ['sat', 'sun'], start: '23:00', duration: '3h' }],
      quick_pass: [{ start: '12:00', duration: '1h' }],
    });
    const files = renderSchedule({
      kind: 'cron',
      schedule,
      configDir: '/etc/unrot',
      program: ['/usr/bin/unrot'],
      source: 'global.yml',
      hostTimeZone: 'Etc/UTC',
    });
    const text = files.get('/etc/cron.d/unrot') ?? '';
    expect(cronFileProblems(text)).toEqual([]);
    const jobs = text.split('\n').filter((l) => /^[\d*]/.test(l));
    expect(jobs).toEqual([
      '0 23 * * 0,6 root /usr/bin/unrot run --config /etc/unrot',
      '0 12 * * * root /usr/bin/unrot run --config /etc/unrot',
    ]);
  });

  it('refuses windows in a zone other than the host zone cron runs in', () => {
    const schedule = resolveSchedule({ time_zone: 'Europe/Berlin' });
    expect(() =>
      renderSchedule({ kind: 'cron', schedule, configDir: '/etc/unrot', program: ['/usr/bin/unrot'], source: 'x', hostTimeZone: 'UTC' }),
    ).toThrow(/cron runs in the host time zone \(UTC\) but the windows are in Europe\/Berlin/);
  });
});
