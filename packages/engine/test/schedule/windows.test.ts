import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  currentWindow,
  HOUR_MS,
  isInside,
  MINUTE_MS,
  mayStartContainer,
  nextWindow,
  remaining,
  resolveLocal,
  skippedStarts,
  type WindowSet,
} from '../../src/schedule/index.js';

const at = (iso: string) => new Date(iso);
const set = (timeZone: string, days: WindowSet['windows'][number]['days'], start: string, hours: number): WindowSet => ({
  timeZone,
  windows: [{ days, start, durationMs: hours * HOUR_MS }],
});

describe('maintenance windows across midnight', () => {
  // Europe/Berlin in November is UTC+1: Sat 23:00 local = 22:00Z, closes Sun 02:00 local = 01:00Z.
  const sat = set('Europe/Berlin', ['sat'], '23:00', 3);

  it('is open from Saturday 23:00 to Sunday 02:00 local, end exclusive', () => {
    expect(isInside(sat, at('2026-11-28T21:59:59Z'))).toBe(false);
    expect(currentWindow(sat, at('2026-11-28T22:00:00Z'))).toEqual({ start: at('2026-11-28T22:00:00Z'), end: at('2026-11-29T01:00:00Z') });
    // Sunday 01:30 local belongs to Saturday's window although Sunday is not a window day
    expect(currentWindow(sat, at('2026-11-29T00:30:00Z'))?.start).toEqual(at('2026-11-28T22:00:00Z'));
    expect(remaining(sat, at('2026-11-29T00:30:00Z'))).toBe(30 * MINUTE_MS);
    expect(isInside(sat, at('2026-11-29T01:00:00Z'))).toBe(false);
    expect(remaining(sat, at('2026-11-29T01:00:00Z'))).toBe(0);
  });

  it('names the next opening strictly after now, also from inside a window', () => {
    expect(nextWindow(sat, at('2026-11-26T12:00:00Z'))?.start).toEqual(at('2026-11-28T22:00:00Z'));
    expect(nextWindow(sat, at('2026-11-28T23:00:00Z'))?.start).toEqual(at('2026-12-05T22:00:00Z'));
  });

  it('merges windows that overlap or touch into one opening', () => {
    const chained: WindowSet = {
      timeZone: 'UTC',
      windows: [
        { days: ['sat'], start: '22:00', durationMs: 3 * HOUR_MS },
        { days: ['sun'], start: '01:00', durationMs: 2 * HOUR_MS },
      ],
    };
    expect(currentWindow(chained, at('2026-11-29T00:00:00Z'))).toEqual({
      start: at('2026-11-28T22:00:00Z'),
      end: at('2026-11-29T03:00:00Z'),
    });
    expect(remaining(chained, at('2026-11-29T02:00:00Z'))).toBe(HOUR_MS);
  });

  it('handles America/Los_Angeles (UTC−8) Saturday night into Sunday', () => {
    const la = set('America/Los_Angeles', ['sat'], '23:00', 3);
    // Sat 2026-11-28 23:00 PST = Sun 07:00Z
    expect(currentWindow(la, at('2026-11-29T09:59:00Z'))).toEqual({ start: at('2026-11-29T07:00:00Z'), end: at('2026-11-29T10:00:00Z') });
    expect(isInside(la, at('2026-11-29T06:59:00Z'))).toBe(false);
  });

  it('handles Pacific/Auckland, whose Sunday 02:00 is Saturday in UTC', () => {
    const nz = set('Pacific/Auckland', ['sun'], '02:00', 4);
    // summer NZDT (UTC+13) and winter NZST (UTC+12)
    expect(nextWindow(nz, at('2026-01-01T00:00:00Z'))?.start).toEqual(at('2026-01-03T13:00:00Z'));
    expect(nextWindow(nz, at('2026-07-01T00:00:00Z'))?.start).toEqual(at('2026-07-04T14:00:00Z'));
  });
});

describe('maintenance windows across DST changes', () => {
  it('resolves wall times in a gap, an overlap and on an ordinary day', () => {
    expect(resolveLocal({ year: 2026, month: 3, day: 29 }, 2, 30, 'Europe/Berlin')).toEqual({ kind: 'gap' });
    expect(resolveLocal({ year: 2026, month: 10, day: 25 }, 2, 30, 'Europe/Berlin')).toEqual({
      kind: 'overlap',
      earlier: Date.parse('2026-10-25T00:30:00Z'),
      later: Date.parse('2026-10-25T01:30:00Z'),
    });
    expect(resolveLocal({ year: 2026, month: 3, day: 28 }, 2, 30, 'Europe/Berlin')).toEqual({
      kind: 'unique',
      instant: Date.parse('2026-03-28T01:30:00Z'),
    });
  });

  it('Europe/Berlin spring forward: a 02:30 start does not exist on 2026-03-29, so that day has no window', () => {
    const w = set('Europe/Berlin', ['sun'], '02:30', 3);
    // 03:30 CEST = 01:30Z would be "02:30 shifted by the gap": deliberately not a window (systemd skips it too)
    expect(isInside(w, at('2026-03-29T01:30:00Z'))).toBe(false);
    expect(nextWindow(w, at('2026-03-28T00:00:00Z'))?.start).toEqual(at('2026-04-05T00:30:00Z'));
    expect(skippedStarts(w, at('2026-01-01T00:00:00Z'))).toEqual([{ date: '2026-03-29', start: '02:30', window: 0 }]);
  });

  it('Europe/Berlin spring forward: a window opened before the gap lasts its elapsed duration', () => {
    const w = set('Europe/Berlin', ['sun'], '01:30', 3);
    // 01:30 CET = 00:30Z; three real hours later is 03:30Z = 05:30 CEST on the wall
    expect(currentWindow(w, at('2026-03-29T03:00:00Z'))).toEqual({ start: at('2026-03-29T00:30:00Z'), end: at('2026-03-29T03:30:00Z') });
  });

  it('Europe/Berlin fall back: 02:30 means the first 02:30 (CEST), once', () => {
    const w = set('Europe/Berlin', ['sun'], '02:30', 3);
    expect(currentWindow(w, at('2026-10-25T00:30:00Z'))).toEqual({ start: at('2026-10-25T00:30:00Z'), end: at('2026-10-25T03:30:00Z') });
    // the second 02:30 (CET, 01:30Z) is inside the same opening, not a new one
    expect(nextWindow(w, at('2026-10-25T01:00:00Z'))?.start).toEqual(at('2026-11-01T01:30:00Z'));
  });

  it('America/Los_Angeles: 02:30 is skipped on 2026-03-08; 01:30 is taken once (PDT) on 2026-11-01', () => {
    const w = set('America/Los_Angeles', ['sun'], '02:30', 2);
    expect(skippedStarts(w, at('2026-01-01T00:00:00Z'))).toEqual([{ date: '2026-03-08', start: '02:30', window: 0 }]);
    // after fall back 02:30 exists once, in PST (UTC−8)
    expect(nextWindow(w, at('2026-10-31T12:00:00Z'))?.start).toEqual(at('2026-11-01T10:30:00Z'));
    const early = set('America/Los_Angeles', ['sun'], '01:30', 1);
    expect(nextWindow(early, at('2026-10-31T12:00:00Z'))?.start).toEqual(at('2026-11-01T08:30:00Z'));
    expect(nextWindow(early, at('2026-11-01T08:31:00Z'))?.start).toEqual(at('2026-11-08T09:30:00Z'));
  });

  it('Pacific/Auckland: 02:00 is skipped at spring forward (2026-09-27), 02:30 taken once at fall back (2026-04-05)', () => {
    expect(skippedStarts(set('Pacific/Auckland', ['sun'], '02:00', 4), at('2026-01-01T00:00:00Z'))).toEqual([
      { date: '2026-09-27', start: '02:00', window: 0 },
    ]);
    const w = set('Pacific/Auckland', ['sun'], '02:30', 2);
    // first 02:30 is NZDT (UTC+13): Sat 13:30Z
    expect(nextWindow(w, at('2026-04-04T00:00:00Z'))?.start).toEqual(at('2026-04-04T13:30:00Z'));
    expect(nextWindow(w, at('2026-04-04T13:31:00Z'))?.start).toEqual(at('2026-04-11T14:30:00Z'));
  });
});

describe('a window closing mid-run', () => {
  const w = set('Europe/Berlin', ['sun'], '02:00', 4); // 2026-11-29 01:00Z–05:00Z
  const cutoff = 30 * MINUTE_MS;
  const admit = (iso: string) => mayStartContainer(currentWindow(w, at(iso)), at(iso), cutoff);

  it('lets containers start until the cutoff, then stops new starts', () => {
    expect(admit('2026-11-29T01:00:00Z')).toEqual({ allowed: true, reason: 'inside-window', remainingMs: 4 * HOUR_MS });
    expect(admit('2026-11-29T04:29:00Z')).toEqual({ allowed: true, reason: 'inside-window', remainingMs: 31 * MINUTE_MS });
    expect(admit('2026-11-29T04:30:00Z')).toEqual({ allowed: false, reason: 'window-closing', remainingMs: 30 * MINUTE_MS });
    expect(admit('2026-11-29T05:00:00Z')).toEqual({ allowed: false, reason: 'outside-window', remainingMs: 0 });
  });

  it('keeps the window a run started in, even after a later clock reading is outside', () => {
    // The run captured its window at 04:00Z; a container queued behind others asks at 04:45Z.
    const window = currentWindow(w, at('2026-11-29T04:00:00Z'));
    expect(mayStartContainer(window, at('2026-11-29T04:20:00Z'), cutoff).allowed).toBe(true);
    expect(mayStartContainer(window, at('2026-11-29T04:45:00Z'), cutoff).reason).toBe('window-closing');
    expect(mayStartContainer(window, at('2026-11-29T05:10:00Z'), cutoff).reason).toBe('outside-window');
  });
});

/** systemd's own calendar arithmetic, as the timer will use it (argv, TZ=UTC for parseable output). */
function systemdElapses(spec: string, base: string, iterations: number): number[] {
  const r = spawnSync('systemd-analyze', ['calendar', `--iterations=${iterations}`, `--base-time=${base}`, spec], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', SYSTEMD_COLORS: '0' },
  });
  expect(r.status, r.stderr).toBe(0);
  return [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) =>
    Date.parse(`${(m[1] ?? '').replace(' ', 'T')}Z`),
  );
}

describe('windows agree with systemd OnCalendar over two years of DST changes', () => {
  const cases: Array<[string, WindowSet['windows'][number]['days'], string, string]> = [
    ['Europe/Berlin', ['sun'], '02:30', 'Sun *-*-* 02:30:00 Europe/Berlin'],
    ['Europe/Berlin', ['sun'], '02:00', 'Sun *-*-* 02:00:00 Europe/Berlin'],
    ['America/Los_Angeles', ['sat', 'sun'], '01:30', 'Sat,Sun *-*-* 01:30:00 America/Los_Angeles'],
    ['Pacific/Auckland', ['sun'], '02:30', 'Sun *-*-* 02:30:00 Pacific/Auckland'],
    ['Pacific/Auckland', ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], '02:15', '*-*-* 02:15:00 Pacific/Auckland'],
  ];
  it.each(cases)('%s %j %s', (timeZone, days, start, spec) => {
    const iterations = days.length === 7 ? 740 : 110 * days.length;
    const expected = systemdElapses(spec, '2026-01-01 00:00:00 UTC', iterations);
    expect(expected.length).toBe(iterations);
    const w: WindowSet = { timeZone, windows: [{ days, start, durationMs: 30 * MINUTE_MS }] };
    const ours: number[] = [];
    let t = at('2026-01-01T00:00:00Z');
    while (ours.length < iterations) {
      const next = nextWindow(w, t);
      if (!next) break;
      ours.push(next.start.getTime());
      t = next.start;
    }
    expect(ours.map((x) => new Date(x).toISOString())).toEqual(expected.map((x) => new Date(x).toISOString()));
  });
});
