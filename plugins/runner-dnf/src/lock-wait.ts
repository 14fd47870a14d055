import { type ExecOptions, type ExecResult, type RunnerContext, UnrotError } from '@unrot/sdk';
import type { DnfOptions } from './options.js';

/**
 * A lock held by another dnf or rpm. Measured with dnf 4.14 (Debian 12): with exit_on_lock,
 * `RPMDB already locked by PID` / `metadata already locked by PID`, exit 200 (without it dnf
 * prints "Waiting for process with pid N to finish." and waits for ever); when only rpm's own
 * lock is held, `can't create transaction lock on …/.rpm.lock`, exit 1. dnf5 fails at once with
 * "Failed to obtain rpm transaction lock" (libdnf5's message; not recorded here).
 */
export const LOCKED = /already locked by \d+|can't create transaction lock on|Failed to obtain rpm transaction lock/;
const RETRY_MS = 2000;

export const isLocked = (r: Pick<ExecResult, 'exitCode' | 'stdout' | 'stderr'>): boolean =>
  r.exitCode !== 0 && r.exitCode !== 100 && LOCKED.test(`${r.stdout}\n${r.stderr}`);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UnrotError('E_EXEC_ABORTED', 'dnf aborted while waiting for a lock held by another process'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs argv (read or change) and, while another process holds dnf's or rpm's lock, runs it again
 * every 2 s until lock_timeout_s has passed. Returns the last result; the caller judges it.
 */
export async function withLockWait(
  ctx: RunnerContext<DnfOptions>,
  kind: 'read' | 'change',
  argv: readonly string[],
  opts: ExecOptions,
): Promise<ExecResult> {
  const deadline = Date.now() + ctx.options.lock_timeout_s * 1000;
  for (;;) {
    if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', `dnf aborted before ${argv.join(' ')}`, { argv });
    const r = await ctx.exec[kind](argv, opts);
    if (!isLocked(r) || Date.now() >= deadline) return r;
    ctx.log.info({ output: `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-3) }, 'dnf/rpm lock held by another process; waiting');
    await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())), ctx.signal);
  }
}

/** The last lines of both streams, as the engine's exec keeps them for a failed command. */
export function outputTail(r: Pick<ExecResult, 'stdout' | 'stderr'>, lines = 50): string[] {
  return `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-lines);
}

/** A coded error naming the command, with dnf's own `Error…` lines in the message and the output tail in details. */
export function dnfFailure(what: string, r: ExecResult, lockTimeoutS: number): UnrotError {
  const locked = isLocked(r);
  const own = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        /^(Error|error:|RPM: error|Problem| {2}- |.*already locked by|Failed to obtain)/.test(l) || /scriptlet|Transaction failed/.test(l),
    );
  const why = locked ? `${what}: the lock stayed held for ${lockTimeoutS} s` : `${what} (exit ${r.exitCode})`;
  const said = (own.length > 0 ? own : outputTail(r, 3)).slice(0, 8).join(' | ').slice(0, 800);
  return new UnrotError('E_EXEC_FAILED', `${why}: ${said}`, {
    argv: r.argv,
    exitCode: r.exitCode,
    stderr: r.stderr.slice(-2000),
    output: outputTail(r),
  });
}
