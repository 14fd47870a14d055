import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UnrotError } from '@unrot/sdk';

export interface RunLockOwner {
  pid: number;
  /** Process start time from /proc/<pid>/stat, so a recycled pid is not mistaken for the owner. */
  startTime: string;
  runId: string;
  at: string;
}

async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the parenthesised command name which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function isAlive(owner: RunLockOwner): Promise<boolean> {
  return (await processStartTime(owner.pid)) === owner.startTime;
}

export interface RunLock {
  release(): Promise<void>;
}

/**
 * One run at a time per host. The lock file names its owner; a lock whose owner is gone
 * (killed with SIGKILL, host rebooted) is stale and taken over, so no stale lock can block
 * the timer. A live owner makes the second run fail at once with E_RUN_LOCKED.
 */
export async function acquireRunLock(path: string, runId: string): Promise<RunLock> {
  await mkdir(dirname(path), { recursive: true, mode: 0o750 });
  const me: RunLockOwner = {
    pid: process.pid,
    startTime: (await processStartTime(process.pid)) ?? '0',
    runId,
    at: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o640);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        async release() {
          const current = await readOwner(path);
          if (current?.pid === me.pid && current.runId === me.runId) await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await readOwner(path);
      if (owner && (await isAlive(owner))) {
        throw new UnrotError('E_RUN_LOCKED', `another unrot run (${owner.runId}, pid ${owner.pid}, since ${owner.at}) holds ${path}`, {
          owner,
        });
      }
      // Stale: its owner is gone. Remove and try again (another contender may win the race).
      await unlink(path).catch(() => undefined);
    }
  }
  throw new UnrotError('E_RUN_LOCKED', `could not take ${path}: other runs keep taking it`);
}

async function readOwner(path: string): Promise<RunLockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RunLockOwner;
  } catch {
    return undefined;
  }
}
