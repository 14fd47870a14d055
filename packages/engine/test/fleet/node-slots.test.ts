import { describe, expect, it } from 'vitest';
import { mapLimitPerKey } from '../../src/fleet/node-slots.js';

/** A call per item that stays open until the test ends it, so what is in flight can be read at each step. */
function gate() {
  const open = new Map<string, () => void>();
  const started: string[] = [];
  const fn = (id: string) =>
    new Promise<string>((resolve) => {
      started.push(id);
      open.set(id, () => resolve(`done ${id}`));
    });
  const finish = async (id: string) => {
    open.get(id)?.();
    open.delete(id);
    await new Promise((r) => setImmediate(r));
  };
  return { fn, started, inFlight: () => [...open.keys()], finish };
}

const node = (id: string) => id.split('/')[0] as string;

describe('mapLimitPerKey (concurrency.per_node)', () => {
  it('never runs more than perKey per node nor limit overall; a full node does not hold up another node', async () => {
    const g = gate();
    const items = ['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'c/1'];
    const all = mapLimitPerKey(items, 3, node, 1, g.fn);
    await new Promise((r) => setImmediate(r));
    expect(g.inFlight()).toEqual(['a/1', 'b/1', 'c/1']);
    await g.finish('a/1');
    expect(g.inFlight()).toEqual(['b/1', 'c/1', 'a/2']);
    await g.finish('c/1');
    // c has nothing left, a is full: nothing new may start although one slot is free.
    expect(g.inFlight()).toEqual(['b/1', 'a/2']);
    await g.finish('b/1');
    expect(g.inFlight()).toEqual(['a/2', 'b/2']);
    await g.finish('a/2');
    await g.finish('b/2');
    expect(g.inFlight()).toEqual(['a/3']);
    await g.finish('a/3');
    expect(await all).toEqual(items.map((id) => `done ${id}`));
    expect(g.started).toEqual(['a/1', 'b/1', 'c/1', 'a/2', 'b/2', 'a/3']);
  });

  it('the overall limit still applies when every node has room', async () => {
    const g = gate();
    const all = mapLimitPerKey(['a/1', 'b/1', 'c/1', 'd/1'], 2, node, 2, g.fn);
    await new Promise((r) => setImmediate(r));
    expect(g.inFlight()).toEqual(['a/1', 'b/1']);
    for (const id of ['a/1', 'b/1', 'c/1', 'd/1']) await g.finish(id);
    expect(await all).toHaveLength(4);
  });

  it('rejects with the first error once the calls in flight have ended, starting nothing new', async () => {
    const started: string[] = [];
    const all = mapLimitPerKey(['a/1', 'a/2', 'b/1'], 2, node, 1, async (id) => {
      started.push(id);
      if (id === 'a/1') throw new Error('boom');
      return id;
    });
    await expect(all).rejects.toThrow('boom');
    expect(started).not.toContain('a/2');
  });

  it('resolves at once for no items', async () => {
    expect(await mapLimitPerKey([], 2, node, 1, async () => 1)).toEqual([]);
  });
});
