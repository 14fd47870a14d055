import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSandboxLock } from '../../src/provision/sandbox-lock.js';
import { tempDir } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Real flock(2) on the root directory, taken through the flock(1) child.
describe('the sandbox lock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('unrot-lock-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a second up/down only after the first released the root', async () => {
    const root = join(dir, 'a');
    const events: string[] = [];
    const first = withSandboxLock(root, async () => {
      events.push('first in');
      await sleep(800);
      events.push('first out');
    });
    await sleep(200);
    const second = withSandboxLock(root, async () => {
      events.push('second in');
    });
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
  });

  it('gives up with E_EXEC_TIMEOUT when the holder does not finish in time', async () => {
    const root = join(dir, 'b');
    const holder = withSandboxLock(root, () => sleep(2500));
    await sleep(200);
    await expect(withSandboxLock(root, async () => 'ran', 1)).rejects.toMatchObject({ code: 'E_EXEC_TIMEOUT' });
    await holder;
    await expect(withSandboxLock(root, async () => 'ran', 1)).resolves.toBe('ran');
  });
});
