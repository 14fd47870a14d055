import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, open, readFile, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { LockKeeper } from './lock-keeper.js';
import { assertStateDirTrusted } from './trusted-dir.js';

// Locks are flock(2) locks held by a child `flock --nonblock LOCKFILE cat` whose stdin is a pipe
// from this process: the kernel grants the lock to exactly one contender (no read-check-write
// takeover race), and when unrot dies, even by SIGKILL, the pipe closes, cat sees EOF and exits,
// and the kernel drops the lock. Nothing is ever "stale". Node has no flock binding of its own.
// The per-container locks (one per container of a run) are all held by one such child of this
// process, the lock keeper (lock-keeper.ts), not by a child each.

export interface RunLockOwner {
  pid: number;
  /** Process start time from /proc/<pid>/stat (kept for reports; the kernel decides who holds the lock). */
  startTime: string;
  runId: string;
  at: string;
}

export interface RunLock {
  release(): Promise<void>;
}

/** The exit code flock gives a contender that finds the lock held. */
const CONFLICT = 75;

/** Where host-wide locks live: $UNROT_LOCK_DIR (tests) or /run/lock/unrot (tmpfs; root-only 0700). */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['UNROT_LOCK_DIR'] || '/run/lock/unrot';
}

/** The host-wide run lock and the per-container locks, shared by every unrot on the host whatever its config. */
export function hostLockPaths(lockDir = defaultLockDir()) {
  return {
    dir: lockDir,
    runLock: join(lockDir, 'run.lock'),
    container: (vmid: number) => join(lockDir, `ct-${vmid}.lock`),
  };
}

let ownStartTime: Promise<string | undefined> | undefined;

async function processStartTime(pid: number): Promise<string | undefined> {
  // This process's own never changes: read once, not once per container lock.
  if (pid === process.pid) {
    ownStartTime ??= readStartTime(pid);
    return ownStartTime;
  }
  return readStartTime(pid);
}

async function readStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the parenthesised command name which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Locks this process (this thread) holds, so taking one again for the same run is not a conflict. */
const held = new Map<string, { runId: string; count: number; release: () => Promise<void> }>();

/**
 * One run at a time per host: the first caller gets the lock, every other fails at once with
 * E_RUN_LOCKED (exit 4) naming the holder. `path` is normally statePaths(stateDir).lockFile,
 * the host-wide hostLockPaths().runLock.
 */
export async function acquireRunLock(path: string, runId: string): Promise<RunLock> {
  return acquireFlock(path, runId, 'another unrot run', false, flockChild);
}

/**
 * No two unrot processes ever touch one container, whatever their config or state_dir: hold this
 * around everything done to `vmid` (recovery, the pipeline, an operator rollback), in the main
 * thread. Taking it again in the same process (thread) is counted, not a conflict: recovery of a
 * terminated worker's container runs while the run holds that container's lock.
 */
export async function acquireContainerLock(vmid: number, runId: string, options: { lockDir?: string } = {}): Promise<RunLock> {
  return acquireFlock(hostLockPaths(options.lockDir).container(vmid), runId, `another unrot run working on CT ${vmid}`, true, keptLock);
}

/** How a lock is taken: a holder whose `release` frees it (resolving once it is free), or 'conflict'. */
type TakeLock = (path: string) => Promise<{ release: () => Promise<void> } | 'conflict'>;

/** The run lock: a `flock --nonblock PATH cat` child of its own, for the whole run. */
const flockChild: TakeLock = async (path) => {
  const child = await startFlock(path);
  if (child === 'conflict') return 'conflict';
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    release: async () => {
      // Wait for flock to exit (the lock is gone then) even when nothing else keeps unrot alive.
      child.ref();
      child.stdin?.end();
      await exited;
    },
  };
};

let keeper: LockKeeper | undefined;

/** A container lock: a descriptor of this process's lock keeper. */
const keptLock: TakeLock = async (path) => {
  keeper ??= new LockKeeper();
  const k = keeper;
  const id = await k.lock(path);
  return id === undefined ? 'conflict' : { release: () => k.unlock(id) };
};

async function acquireFlock(path: string, runId: string, what: string, reentrant: boolean, take: TakeLock): Promise<RunLock> {
  const mine = held.get(path);
  if (mine && reentrant) {
    mine.count++;
    return { release: once(() => releaseHeld(path)) };
  }
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Whoever can write the lock directory can hold or swap our locks.
  await assertStateDirTrusted(dir, 'lock directory');
  const taken = await take(path);
  if (taken === 'conflict') {
    const owner = await readOwner(path);
    throw new UnrotError(
      'E_RUN_LOCKED',
      owner
        ? `${what} (run ${owner.runId}, pid ${owner.pid}, since ${owner.at}) holds ${path}`
        : `${what} holds ${path} (holder not recorded yet)`,
      { path, ...(owner ? { owner } : {}) },
    );
  }
  const me: RunLockOwner = {
    pid: process.pid,
    startTime: (await processStartTime(process.pid)) ?? '0',
    runId,
    at: new Date().toISOString(),
  };
  // The locked file itself names its holder (flock locks the inode; content is free to change).
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(0);
    await handle.write(`${JSON.stringify(me)}\n`, 0);
  } finally {
    await handle.close();
  }
  await chmod(path, 0o600);
  held.set(path, {
    runId,
    count: 1,
    release: async () => {
      // Still holding it: clear the holder's name so no contender quotes a finished run.
      await truncate(path, 0).catch(() => undefined);
      await taken.release();
    },
  });
  return { release: once(() => releaseHeld(path)) };
}

async function releaseHeld(path: string): Promise<void> {
  const h = held.get(path);
  if (!h) return;
  if (--h.count > 0) return;
  held.delete(path);
  await h.release();
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

/** Starts `flock --nonblock PATH cat`; resolves with the child once cat echoes a probe (lock held), or 'conflict'. */
function startFlock(path: string): Promise<ChildProcess | 'conflict'> {
  return new Promise((resolve, reject) => {
    // detached: a Ctrl-C to unrot's process group must not drop the lock while unrot finishes in-flight steps.
    const child = spawn('flock', ['--nonblock', '--conflict-exit-code', String(CONFLICT), path, 'cat'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    let settled = false;
    const settle = (value: ChildProcess | 'conflict' | Error) => {
      if (settled) return;
      settled = true;
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8').slice(0, 2000);
    });
    child.stdout?.on('data', () => {
      // cat only runs once flock holds the lock: its echo is the proof.
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      // Neither the child nor its pipes keep a finished unrot alive; exiting releases the lock.
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void })?.unref?.();
      settle(child);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      settle(new UnrotError('E_EXEC_SPAWN', `cannot run flock (util-linux) for ${path}: ${error.code ?? error.message}`, { path })),
    );
    child.on('exit', (code) => {
      if (code === CONFLICT) settle('conflict');
      else settle(new UnrotError('E_INTERNAL', `flock ${path} exited ${code}: ${stderr.trim().slice(0, 300)}`, { path }));
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.write('locked\n');
  });
}

async function readOwner(path: string): Promise<RunLockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<RunLockOwner>;
    // Only what a holder writes; the lock file sits in a root-only directory, but say nothing unchecked.
    if (
      typeof owner.pid === 'number' &&
      typeof owner.runId === 'string' &&
      /^[\w.:-]{1,64}$/.test(owner.runId) &&
      typeof owner.at === 'string'
    )
      return { pid: owner.pid, runId: owner.runId, at: owner.at.slice(0, 40), startTime: String(owner.startTime ?? '') };
  } catch {
    // Being written by the new holder, or empty.
  }
  return undefined;
}
