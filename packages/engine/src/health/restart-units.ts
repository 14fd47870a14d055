import { type Exec, UnrotError } from '@unrot/sdk';
import type { Clock } from './clock.js';
import { POLL_MS, pause, seconds } from './restart-wait.js';

export const restartArgv = (unit: string): string[] => ['systemctl', 'restart', unit];
export const isActiveArgv = (unit: string): string[] => ['systemctl', 'is-active', unit];

export interface UnitRestartResult {
  unit: string;
  /** systemctl is-active when unrot stopped waiting */
  state: string;
  durationMs: number;
}

/**
 * `systemctl restart UNIT`, then `systemctl is-active UNIT` until it says active. `failed`, or
 * anything else once waitMs has passed, throws E_RESTART_FAILED; onResult sees the state either way.
 */
export async function restartUnit(
  unit: string,
  waitMs: number,
  exec: Exec,
  signal: AbortSignal,
  clock: Clock,
  onResult: (result: UnitRestartResult) => void,
): Promise<void> {
  const t0 = clock.now();
  await exec.change(restartArgv(unit), { timeoutMs: waitMs });
  for (;;) {
    // is-active exits 3 for inactive/failed and 4 for an unknown unit; the word on stdout is what counts.
    const res = await exec.read(isActiveArgv(unit), { okExitCodes: [0, 1, 2, 3, 4], timeoutMs: 30_000 });
    const state = res.stdout.trim() || 'unknown';
    const elapsed = clock.now() - t0;
    if (state === 'active') {
      onResult({ unit, state, durationMs: elapsed });
      return;
    }
    if (state === 'failed' || elapsed >= waitMs) {
      onResult({ unit, state, durationMs: elapsed });
      throw new UnrotError(
        'E_RESTART_FAILED',
        `${unit} is ${state} ${seconds(elapsed)} s after systemctl restart (wait_active_s ${seconds(waitMs)})`,
        { unit, state },
      );
    }
    await pause(clock, POLL_MS, signal, unit);
  }
}
