import { UnrotError } from '@unrot/sdk';

/**
 * Runs fn with a signal that aborts after `ms` or when `parent` aborts. The race
 * guarantees the step ends on time even if the plugin ignores its signal.
 */
export async function withTimeout<T>(label: string, ms: number, parent: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let rejectAborted: ((error: UnrotError) => void) | undefined;
  // One listener on the container's long-lived signal per step, removed when the step ends.
  const onParentAbort = () => {
    controller.abort(parent.reason);
    rejectAborted?.(new UnrotError('E_EXEC_ABORTED', `${label} was aborted`));
  };
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new UnrotError('E_STEP_TIMEOUT', `${label} exceeded its timeout of ${Math.round(ms / 1000)} s`, { timeoutMs: ms });
      controller.abort(error);
      reject(error);
    }, ms);
  });
  const aborted = new Promise<never>((_, reject) => {
    rejectAborted = reject;
  });
  if (parent.aborted) onParentAbort();
  else parent.addEventListener('abort', onParentAbort, { once: true });
  try {
    return await Promise.race([fn(controller.signal), timeout, aborted]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
  }
}
