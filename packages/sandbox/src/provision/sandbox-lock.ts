import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { UnrotError } from '@unrot/sdk';

/**
 * Serialises `up`/`down` on one root: two `up`s at once would both create the same CTs.
 * The lock is flock(2) on the root directory itself (nothing extra to clean up). Node has no
 * flock, so a `flock -w N 3` child locks our open file description, which stays locked while we
 * keep the fd (the same technique as the stand-in's config lock).
 */
export async function withSandboxLock<T>(root: string, fn: () => Promise<T>, timeoutSec = 900): Promise<T> {
  mkdirSync(root, { recursive: true });
  const fd = openSync(root, 'r');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('flock', ['-w', String(timeoutSec), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new UnrotError('E_EXEC_TIMEOUT', `another unrot-sandbox up/down holds ${root} (waited ${timeoutSec} s)`);
    return await fn();
  } finally {
    closeSync(fd);
  }
}
