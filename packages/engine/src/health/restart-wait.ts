import { toUnrotError, UnrotError } from '@unrot/sdk';
import type { Clock } from './clock.js';

/** How often a restart looks again (pct exec costs tens of ms per call, so not much faster). */
export const POLL_MS = 250;

/** Sleeps on the injected clock; an abort names what was being waited for. */
export async function pause(clock: Clock, ms: number, signal: AbortSignal, what: string): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch (error) {
    if (toUnrotError(error).code === 'E_EXEC_ABORTED' || signal.aborted)
      throw new UnrotError('E_EXEC_ABORTED', `waiting for ${what} aborted`);
    throw error;
  }
}

/** Whole seconds, for messages that quote a policy's *_s keys. */
export const seconds = (ms: number): number => Math.round(ms / 1000);
