import { setTimeout as delay } from 'node:timers/promises';
import { UnrotError } from '@unrot/sdk';

/** Time as the schedule sees it; tests inject a fake one so backoff needs no real waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after ms, rejects with E_EXEC_ABORTED when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  async sleep(ms, signal) {
    if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'health check aborted');
    if (ms <= 0) return;
    try {
      await delay(ms, undefined, { signal });
    } catch {
      throw new UnrotError('E_EXEC_ABORTED', 'health check aborted while waiting');
    }
  },
};
