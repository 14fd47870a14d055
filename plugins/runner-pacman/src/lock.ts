import { type ExecResult, UnrotError } from '@unrot/sdk';
import { outputTail } from './output-tail.js';

// pacman 6.0 (LC_ALL=C), measured: "error: failed to synchronize all databases (unable to lock
// database)" for -Sy/-Syu, "error: failed to init transaction (unable to lock database)" for others.
const LOCKED = /\(unable to lock database\)/;
const RETRY_MS = 2000;

export function isLocked(r: ExecResult): boolean {
  return r.exitCode !== 0 && LOCKED.test(r.stderr);
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new UnrotError('E_EXEC_ABORTED', 'pacman runner aborted while waiting for the database lock'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UnrotError('E_EXEC_ABORTED', 'pacman runner aborted while waiting for the database lock'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `run` until pacman stops failing on its database lock or `timeoutS` has passed. The lock
 * file is never removed: another pacman may really be running (pacman's own advice is to delete
 * it only when none is).
 */
export async function whileLocked(
  run: () => Promise<ExecResult>,
  opts: { timeoutS: number; signal: AbortSignal; lockFile: () => Promise<string>; onWait: (r: ExecResult) => void },
): Promise<ExecResult> {
  const deadline = Date.now() + opts.timeoutS * 1000;
  for (;;) {
    const r = await run();
    if (!isLocked(r)) return r;
    if (Date.now() >= deadline) {
      const file = await opts.lockFile();
      throw new UnrotError(
        'E_EXEC_FAILED',
        `pacman could not lock its database: ${file} stayed in place for ${opts.timeoutS} s (lock_timeout_s). Another pacman is running, or one died and left it; unrot never removes it — delete it by hand only when no pacman runs`,
        { argv: r.argv, exitCode: r.exitCode, lockFile: file, stderr: r.stderr.slice(-2000), output: outputTail(r.stdout, r.stderr) },
      );
    }
    opts.onWait(r);
    await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())), opts.signal);
  }
}
