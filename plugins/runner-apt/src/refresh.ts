import { type RunnerContext, UnrotError } from '@unrot/sdk';
import { updateArgv } from './argv.js';
import type { AptOptions } from './options.js';

// Measured with apt 2.6.1: `apt-get update` ignores DPkg::Lock::Timeout for the lists lock and
// exits 100 at once ("Could not get lock /var/lib/apt/lists/lock"), so the wait is done here.
const LISTS_LOCKED = /Could not get lock \/var\/lib\/apt\/lists\/lock/;
const RETRY_MS = 2000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UnrotError('E_EXEC_ABORTED', 'apt check aborted while waiting for the apt lists lock'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `apt-get update`, waiting up to lock_timeout_s while another apt holds the lists lock. */
export async function refreshIndexes(ctx: RunnerContext<AptOptions>): Promise<void> {
  const argv = updateArgv(ctx.options);
  const deadline = Date.now() + ctx.options.lock_timeout_s * 1000;
  for (;;) {
    const r = await ctx.exec.read(argv, { okExitCodes: [0, 100], timeoutMs: 600_000 });
    if (r.exitCode === 0) return;
    const locked = LISTS_LOCKED.test(r.stderr);
    if (!locked || Date.now() >= deadline) {
      const why = locked ? `the apt lists lock stayed held for ${ctx.options.lock_timeout_s} s` : 'apt-get update failed';
      throw new UnrotError('E_EXEC_FAILED', `${why}: ${r.stderr.trim().slice(0, 500)}`, { argv, exitCode: r.exitCode, stderr: r.stderr });
    }
    ctx.log.info({ stderr: r.stderr.trim() }, 'apt lists lock held by another process; waiting');
    await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())), ctx.signal);
  }
}
