import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StartControl } from '../../src/fleet/start-control.js';

// A fake clock that sleeping advances: pacing decisions are checked without waiting.
function clock(startMs = 1_000_000) {
  let t = startMs;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    waits,
  };
}

describe('StartControl', () => {
  it('lets at most max_starts_per_minute containers start in any 60 s', async () => {
    const c = clock();
    const control = new StartControl({
      killSwitchFile: '/nonexistent/STOP',
      jitterMs: 0,
      maxStartsPerMinute: 2,
      now: c.now,
      sleep: c.sleep,
      random: () => 0,
    });
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const v = await control.admit();
      expect(v.ok).toBe(true);
      starts.push(c.now());
    }
    for (let i = 2; i < starts.length; i++) expect((starts[i] as number) - (starts[i - 2] as number)).toBeGreaterThanOrEqual(60_000);
    expect(c.waits.filter((w) => w > 0).length).toBeGreaterThan(0);
  });

  it('staggers starts by a random delay below jitter_ms', async () => {
    const c = clock();
    let r = 0;
    const control = new StartControl({
      killSwitchFile: '/nonexistent/STOP',
      jitterMs: 1000,
      now: c.now,
      sleep: c.sleep,
      random: () => (r = (r + 0.37) % 1),
    });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const v = await control.admit();
      if (v.ok) delays.push(v.jitterMs);
    }
    expect(delays).toHaveLength(4);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of delays) expect(d).toBeLessThan(1000);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('stops starting once the kill switch exists or the run is past max_runtime.run, even after a wait', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unrot-ks-'));
    const stop = join(dir, 'STOP');
    const c = clock();
    const control = new StartControl({
      killSwitchFile: stop,
      runDeadline: c.now() + 120_000,
      jitterMs: 0,
      now: c.now,
      sleep: c.sleep,
      random: () => 0,
    });
    expect((await control.admit()).ok).toBe(true);
    c.advance(121_000);
    expect(await control.admit()).toMatchObject({ ok: false, reason: 'max-runtime' });
    const other = new StartControl({
      killSwitchFile: stop,
      jitterMs: 5000,
      now: c.now,
      sleep: async (ms) => {
        await writeFile(stop, ''); // the admin touches the file while a start waits for its jitter
        c.advance(ms);
      },
      random: () => 0.5,
    });
    expect(await other.admit()).toMatchObject({ ok: false, reason: 'kill-switch' });
  });
});
