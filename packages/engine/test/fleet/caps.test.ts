import { describe, expect, it } from 'vitest';
import { capLimits, FleetCaps } from '../../src/fleet/caps.js';

// A fake clock that sleeping advances: every holder "works" for a number of ticks, and the caps
// are checked at every instant without waiting in real time.
function clock(startMs = 1_000_000) {
  let t = startMs;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      // Yield to every settled grant first, then move time on.
      await new Promise((resolve) => setImmediate(resolve));
      t += ms;
    },
  };
}

/** Many holders each asking for `keys`, working `workMs` (on the fake clock), then giving them back. */
async function crowd(caps: FleetCaps, c: ReturnType<typeof clock>, holders: number, keys: (i: number) => string[], workMs = 100) {
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  const waited: number[] = [];
  await Promise.all(
    Array.from({ length: holders }, async (_, i) => {
      const holder = `ct-${100 + i}`;
      const grant = await caps.acquire(holder, keys(i));
      waited.push(grant.waitedMs);
      for (const k of grant.keys) {
        active.set(k, (active.get(k) ?? 0) + 1);
        peak.set(k, Math.max(peak.get(k) ?? 0, active.get(k) as number));
      }
      await c.sleep(workMs);
      for (const k of grant.keys) active.set(k, (active.get(k) as number) - 1);
      caps.release(holder, grant.keys);
    }),
  );
  return { peak, waited };
}

describe('FleetCaps', () => {
  it('a request granted at once waited for nothing, even when the clock ticks while it is asked (no wait reported)', async () => {
    let t = 0;
    // Every reading of the clock is a millisecond later, as on a loaded machine.
    const caps = new FleetCaps({ limits: capLimits({ per_runner: { npm: 1 } }), now: () => t++ });
    expect((await caps.acquire('ct-101', ['runner:npm'])).waitedMs).toBe(0);
    const second = caps.acquire('ct-102', ['runner:npm']);
    caps.release('ct-101', ['runner:npm']);
    expect((await second).waitedMs).toBeGreaterThan(0);
  });

  it('global concurrency: becomes runner:<id> and storage:<id> keys', () => {
    expect([...capLimits({ per_runner: { npm: 2 }, per_storage: { 'local-lvm': 1 } })]).toEqual([
      ['runner:npm', 2],
      ['storage:local-lvm', 1],
    ]);
    expect(capLimits(undefined).size).toBe(0);
  });

  it('never lets more than N holders of one runner key work at once, however many ask', async () => {
    const c = clock();
    const caps = new FleetCaps({ limits: capLimits({ per_runner: { npm: 2 } }), now: c.now });
    const { peak, waited } = await crowd(caps, c, 12, () => ['runner:npm']);
    expect(peak.get('runner:npm')).toBe(2);
    expect(caps.peak.get('runner:npm')).toBe(2);
    // Two start at once; the rest waited their turn (measured on the injected clock).
    expect(waited.filter((w) => w === 0)).toHaveLength(2);
    expect(Math.max(...waited)).toBeGreaterThanOrEqual(500);
  });

  it('an uncapped key is granted at once and does not count', async () => {
    const c = clock();
    const caps = new FleetCaps({ limits: capLimits({ per_runner: { npm: 1 } }), now: c.now });
    const { peak, waited } = await crowd(caps, c, 5, () => ['runner:pip']);
    expect(waited.every((w) => w === 0)).toBe(true);
    expect(peak.size).toBe(0);
  });

  it('a storage cap of 1 serialises snapshots on that storage while another storage runs free', async () => {
    const c = clock();
    const caps = new FleetCaps({ limits: capLimits({ per_storage: { 'local-lvm': 1 } }), now: c.now });
    const { peak } = await crowd(caps, c, 8, (i) => [i % 2 === 0 ? 'storage:local-lvm' : 'storage:local']);
    expect(peak.get('storage:local-lvm')).toBe(1);
    expect(caps.peak.has('storage:local')).toBe(false);
  });

  it('grants several keys all or nothing, in arrival order for the keys a waiter waits for', async () => {
    const c = clock();
    const caps = new FleetCaps({ limits: capLimits({ per_runner: { npm: 1, pip: 1 } }), now: c.now });
    const order: string[] = [];
    await caps.acquire('a', ['runner:npm']);
    const both = caps.acquire('b', ['runner:pip', 'runner:npm']).then(() => order.push('b'));
    // pip is free, but b waits for it: c may not take it first.
    const pipOnly = caps.acquire('c', ['runner:pip']).then(() => order.push('c'));
    await c.sleep(10);
    expect(order).toEqual([]);
    caps.release('a', ['runner:npm']);
    await both;
    expect(order).toEqual(['b']);
    caps.release('b', ['runner:npm', 'runner:pip']);
    await pipOnly;
    expect(order).toEqual(['b', 'c']);
  });

  it('a request for a free key is not held up behind a waiter for another key', async () => {
    const c = clock();
    const caps = new FleetCaps({ limits: capLimits({ per_runner: { npm: 1 }, per_storage: { local: 1 } }), now: c.now });
    await caps.acquire('a', ['runner:npm']);
    const waiting = caps.acquire('b', ['runner:npm']);
    expect(caps.isWaiting('b')).toBe(true);
    expect(caps.isWaiting('a')).toBe(false);
    const storage = await caps.acquire('c', ['storage:local']);
    expect(storage.waitedMs).toBe(0);
    caps.release('a', ['runner:npm']);
    await expect(waiting).resolves.toMatchObject({ keys: ['runner:npm'] });
  });

  it('a pipeline that ends (or whose thread dies) gives back what it held and drops what it waited for', async () => {
    const c = clock();
    const caps = new FleetCaps({ limits: capLimits({ per_runner: { npm: 1 } }), now: c.now });
    await caps.acquire('dead', ['runner:npm']);
    const orphan = caps.acquire('dead', ['runner:npm']);
    const next = caps.acquire('next', ['runner:npm']);
    caps.releaseAll('dead');
    await expect(orphan).rejects.toThrow(/dead ended while waiting for runner:npm/);
    await expect(next).resolves.toMatchObject({ keys: ['runner:npm'] });
    expect(caps.waiting('runner:npm')).toBe(0);
  });
});
