import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireClusterLock, CLUSTER_LOCK_NAME } from '../../src/safety/cluster-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unrot-cluster-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const base = () => ({ dir, waitMs: 5000, pollMs: 20, node: 'pve1', runId: 'run-a' });

/**
 * Another process (as another node's timer) that takes the lock through the built engine, holds
 * it until the file `release` exists (when given), and prints `waiting` / `got <waitedMs>` /
 * `released` / `error <code>` lines.
 */
function otherNode(node: string, release: string | undefined, waitMs: number): { lines: string[]; done: Promise<number | null> } {
  const script = `
    const { existsSync } = await import('node:fs');
    const { acquireClusterLock } = await import('@unrot/engine');
    try {
      const lock = await acquireClusterLock({ dir: ${JSON.stringify(dir)}, waitMs: ${waitMs}, pollMs: 20, node: ${JSON.stringify(node)}, runId: 'run-' + ${JSON.stringify(node)}, onWait: () => console.log('waiting') });
      console.log('got ' + lock.waitedMs);
      const release = ${JSON.stringify(release ?? null)};
      while (release && !existsSync(release)) await new Promise((r) => setTimeout(r, 20));
      await lock.release();
      console.log('released');
    } catch (e) { console.log('error ' + e.code + ' ' + e.message); }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  child.stdout.on('data', (c: Buffer) => lines.push(...c.toString().trim().split('\n')));
  return { lines, done: new Promise((resolve) => child.once('exit', resolve)) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(check()).toBe(true);
}

describe('cluster run lock (pmxcfs-style mkdir lock)', () => {
  it('two processes take it in turn: the second waits for the first to release, and says it waited', async () => {
    const release = join(dir, 'release-first');
    const first = otherNode('pve1', release, 60_000);
    await until(() => first.lines.includes('got 0'));
    const second = otherNode('pve2', undefined, 60_000);
    // The second finds the lock held and waits; only then does the first end its run.
    await until(() => second.lines.includes('waiting'));
    expect(second.lines).toEqual(['waiting']);
    writeFileSync(release, '');
    await Promise.all([first.done, second.done]);
    expect(first.lines).toEqual(['got 0', 'released']);
    expect(second.lines[1]).toMatch(/^got [1-9]\d*$/);
    expect(second.lines[2]).toBe('released');
  });

  it('gives up after lock_wait with E_RUN_LOCKED naming the holding node and run', async () => {
    const held = await acquireClusterLock({ ...base(), node: 'pve2', runId: 'run-b' });
    let seen: unknown;
    const error = await acquireClusterLock({ ...base(), waitMs: 200, onWait: (h) => (seen = h) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnrotError);
    expect((error as UnrotError).code).toBe('E_RUN_LOCKED');
    expect((error as UnrotError).message).toContain('node pve2, run run-b');
    expect(seen).toMatchObject({ node: 'pve2', runId: 'run-b' });
    await held.release();
    const again = await acquireClusterLock(base());
    expect(again.waitedMs).toBe(0);
    await again.release();
  });

  it('takes over a stale lock (mtime older than the stale time: its holder is gone)', async () => {
    const path = join(dir, CLUSTER_LOCK_NAME);
    mkdirSync(path);
    writeFileSync(`${path}.json`, '{"node":"pve3","runId":"dead","pid":1,"at":"x"}');
    const old = new Date(Date.now() - 200_000);
    utimesSync(path, old, old);
    const lock = await acquireClusterLock(base());
    expect(lock.waitedMs).toBe(0);
    await lock.release();
  });

  it('the holder refreshes the mtime, so a long run is not taken for stale', async () => {
    const lock = await acquireClusterLock({ ...base(), refreshMs: 20 });
    const path = join(dir, CLUSTER_LOCK_NAME);
    const old = new Date(Date.now() - 200_000);
    utimesSync(path, old, old);
    await until(() => Date.now() - statSync(path).mtimeMs < 10_000);
    await lock.release();
  });

  it('a lock_dir that does not exist is a configuration error', async () => {
    const error = await acquireClusterLock({ ...base(), dir: join(dir, 'missing') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as UnrotError).code).toBe('E_CONFIG');
  });
});
