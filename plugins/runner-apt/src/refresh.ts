import { type RunnerContext, UnrotError } from '@unrot/sdk';
import { refreshAndSimulateArgv, simulateUpgradeArgv, updateArgv } from './argv.js';
import type { AptOptions } from './options.js';

// Measured with apt 2.6.1: `apt-get update` ignores DPkg::Lock::Timeout for the lists lock and
// exits 100 at once ("Could not get lock /var/lib/apt/lists/lock"), so the wait is done here.
const LISTS_LOCKED = /Could not get lock \/var\/lib\/apt\/lists\/lock/;
const RETRY_MS = 2000;
const MARKER = /^@unrot-apt update-exit (\d{1,3})$/gm;
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);
const TAIL_LINES = 50;

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

/** What the one exec of update + simulate said, split back into the two commands. */
export interface RefreshAndSimulate {
  update: { exitCode: number; output: string };
  /** Absent when update failed (the script stops there). */
  simulate?: { exitCode: number; stdout: string; stderr: string };
}

const tail = (text: string): string[] => text.trimEnd().split('\n').slice(-TAIL_LINES);

/**
 * Splits the exec's stderr at the script's one marker line. No marker, or more than one (a
 * container printing the marker itself), is not the script's output and is refused.
 */
export function splitRefreshAndSimulate(r: {
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}): RefreshAndSimulate {
  const markers = [...r.stderr.matchAll(MARKER)];
  if (markers.length !== 1) {
    throw new UnrotError(
      markers.length === 0 ? 'E_EXEC_FAILED' : 'E_RUNNER_INVALID_OUTPUT',
      markers.length === 0
        ? `apt check did not run in the container (exit ${r.exitCode}): ${r.stderr.trim().slice(-500)}`
        : 'apt check printed its end-of-update line more than once: not the output of its script',
      { argv: r.argv, exitCode: r.exitCode, output: tail(`${r.stdout}\n${r.stderr}`) },
    );
  }
  const marker = markers[0] as RegExpMatchArray;
  const at = marker.index ?? 0;
  const update = { exitCode: Number(marker[1]), output: r.stderr.slice(0, at) };
  if (update.exitCode !== 0) return { update };
  return { update, simulate: { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr.slice(at + marker[0].length + 1) } };
}

/**
 * `apt-get update` then `apt-get -s upgrade` in one exec, waiting up to lock_timeout_s while
 * another apt holds the lists lock. Returns the simulation's stdout. Either command's failure
 * is an E_EXEC_FAILED that names that command and carries its own output.
 */
export async function refreshAndSimulate(ctx: RunnerContext<AptOptions>): Promise<string> {
  const o = ctx.options;
  const argv = refreshAndSimulateArgv(o);
  const deadline = Date.now() + o.lock_timeout_s * 1000;
  for (;;) {
    // Every exit code is read here: the marker line says which command it belongs to.
    const r = await ctx.exec.read(argv, { okExitCodes: ANY_EXIT, timeoutMs: 900_000 });
    const { update, simulate } = splitRefreshAndSimulate(r);
    if (simulate) {
      if (simulate.exitCode === 0) return simulate.stdout;
      const sim = simulateUpgradeArgv(o);
      throw new UnrotError('E_EXEC_FAILED', `${sim.join(' ')} exited ${simulate.exitCode}: ${simulate.stderr.trim().slice(-500)}`, {
        argv: sim,
        exitCode: simulate.exitCode,
        stderr: simulate.stderr,
        output: tail(`${simulate.stdout}\n${simulate.stderr}`),
      });
    }
    const locked = LISTS_LOCKED.test(update.output);
    if (!locked || Date.now() >= deadline) {
      const why = locked ? `the apt lists lock stayed held for ${o.lock_timeout_s} s` : 'apt-get update failed';
      throw new UnrotError('E_EXEC_FAILED', `${why}: ${update.output.trim().slice(-500)}`, {
        argv: updateArgv(o),
        exitCode: update.exitCode,
        stderr: update.output,
        output: tail(update.output),
      });
    }
    ctx.log.info({ output: update.output.trim() }, 'apt lists lock held by another process; waiting');
    await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())), ctx.signal);
  }
}
