import { type Exec, toUnrotError, UnrotError } from '@unrot/sdk';
import type { ProcessMatch } from '../policy/index.js';
import type { Clock } from './clock.js';
import type { TaskRestartProcess } from './restart-policy.js';
import { POLL_MS, pause, seconds } from './restart-wait.js';

/** A match selecting more processes than this is almost certainly too broad to signal. */
export const MAX_MATCHED_PIDS = 64;
/** How long processes that got KILL may take to disappear before the restart gives up. */
export const KILL_GRACE_MS = 5_000;
/** Stands for the PIDs pgrep finds, in the stop command a plan shows. */
export const PIDS_PLACEHOLDER = '<pids>';

/** The read-only command that lists the matching PIDs (procps pgrep; exit 1 = none). */
export function findArgv(match: ProcessMatch): string[] {
  if (match.pidfile !== undefined) return ['pgrep', '-F', match.pidfile];
  if (match.cmdline !== undefined) return ['pgrep', '-f', '--', match.cmdline];
  if (match.comm !== undefined) return ['pgrep', '-x', '--', match.comm];
  throw new UnrotError('E_CONFIG', 'restart.processes[].match needs one of pidfile, cmdline, comm');
}

export const stopArgv = (signal: string, pids: readonly (number | string)[]): string[] => ['kill', '-s', signal, ...pids.map(String)];

/** For messages and the report: `cmdline '^/opt/app …'`. */
export function describeMatch(match: ProcessMatch): string {
  if (match.pidfile !== undefined) return `pidfile ${match.pidfile}`;
  if (match.cmdline !== undefined) return `cmdline '${match.cmdline}'`;
  return `comm '${match.comm ?? ''}'`;
}

export interface ProcessRestartResult {
  name: string;
  oldPids: number[];
  newPids: number[];
  /** the old processes needed KILL after stop_timeout_s */
  escalated: boolean;
  state: 'running' | 'failed';
  durationMs: number;
  detail?: string;
}

const parsePids = (stdout: string): number[] =>
  stdout
    .split('\n')
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => Number.isInteger(n) && n > 0);

/**
 * Stops a process that runs without systemd and waits for its successor:
 *   1. pgrep finds the PIDs (never PID 1, the container's init; never more than MAX_MATCHED_PIDS);
 *   2. kill -s stop_signal PID…, wait until they are gone, KILL what is left after stop_timeout_s;
 *   3. the start command, when there is one (else a supervisor is expected to start it);
 *   4. wait until a matching process with a new PID exists (wait_s), and that it still runs
 *      settle_s later (a crash loop is not a restart).
 * Any step that fails throws E_RESTART_FAILED (the start command's own failure: E_EXEC_FAILED).
 */
export async function restartProcess(
  p: TaskRestartProcess,
  exec: Exec,
  signal: AbortSignal,
  clock: Clock,
  onResult: (result: ProcessRestartResult) => void,
): Promise<void> {
  const t0 = clock.now();
  const result: ProcessRestartResult = { name: p.name, oldPids: [], newPids: [], escalated: false, state: 'failed', durationMs: 0 };
  const fail = (message: string, details: Record<string, unknown> = {}): never => {
    result.detail = message;
    throw new UnrotError('E_RESTART_FAILED', `process ${p.name}: ${message}`, { process: p.name, ...details });
  };
  const matching = async (): Promise<number[]> => {
    const res = await exec.read(findArgv(p.match), { okExitCodes: [0, 1], timeoutMs: 30_000 });
    const pids = parsePids(res.stdout);
    if (pids.includes(1)) fail(`${describeMatch(p.match)} selects PID 1, the container's init: restarting it would stop the container`);
    if (pids.length > MAX_MATCHED_PIDS)
      fail(`${describeMatch(p.match)} selects ${pids.length} processes (more than ${MAX_MATCHED_PIDS}): make the match narrower`);
    return pids;
  };
  // ps lists a zombie until its parent reaps it; it no longer runs, so it counts as gone.
  const alive = async (pids: readonly number[]): Promise<number[]> => {
    if (pids.length === 0) return [];
    const res = await exec.read(['ps', '-o', 'pid=,stat=', '-p', pids.join(',')], { okExitCodes: [0, 1], timeoutMs: 30_000 });
    return res.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([pid, stat]) => pid !== undefined && stat !== undefined && !stat.startsWith('Z'))
      .map(([pid]) => Number.parseInt(pid as string, 10))
      .filter((n) => pids.includes(n));
  };
  const waitGone = async (pids: number[], untilMs: number): Promise<number[]> => {
    let left = await alive(pids);
    while (left.length > 0 && clock.now() < untilMs) {
      await pause(clock, POLL_MS, signal, `process ${p.name} to exit`);
      left = await alive(left);
    }
    return left;
  };

  try {
    result.oldPids = await matching();
    if (result.oldPids.length > 0) {
      // kill exits 1 when some PID vanished meanwhile; the others were signalled all the same.
      await exec.change(stopArgv(p.stopSignal, result.oldPids), { okExitCodes: [0, 1], timeoutMs: 30_000 });
      let left = await waitGone(result.oldPids, clock.now() + p.stopTimeoutMs);
      if (left.length > 0) {
        result.escalated = true;
        await exec.change(stopArgv('KILL', left), { okExitCodes: [0, 1], timeoutMs: 30_000 });
        left = await waitGone(left, clock.now() + KILL_GRACE_MS);
        if (left.length > 0) fail(`PID ${left.join(', ')} still runs after KILL`, { pids: left });
      }
    }
    if (p.start) await exec.change(p.start, { timeoutMs: p.waitMs });
    const since = p.start ? 'its start command' : result.oldPids.length > 0 ? `SIG${p.stopSignal}` : 'the restart began';
    const deadline = clock.now() + p.waitMs;
    for (;;) {
      result.newPids = (await matching()).filter((pid) => !result.oldPids.includes(pid));
      if (result.newPids.length > 0) break;
      if (clock.now() >= deadline)
        fail(
          `no new process matching ${describeMatch(p.match)} within ${seconds(p.waitMs)} s after ${since}${p.start ? '' : ' (no start command: a supervisor was expected to start it)'}`,
        );
      await pause(clock, POLL_MS, signal, `process ${p.name} to start`);
    }
    const settleUntil = clock.now() + p.settleMs;
    while (clock.now() < settleUntil) {
      await pause(clock, Math.min(500, settleUntil - clock.now()), signal, `process ${p.name} to settle`);
      const still = await alive(result.newPids);
      if (still.length === 0)
        fail(`new PID ${result.newPids.join(', ')} exited within settle_s ${seconds(p.settleMs)} s after it started`, {
          pids: result.newPids,
        });
    }
    result.state = 'running';
  } catch (error) {
    result.detail ??= toUnrotError(error).message;
    throw error;
  } finally {
    result.durationMs = clock.now() - t0;
    onResult(result);
  }
}
