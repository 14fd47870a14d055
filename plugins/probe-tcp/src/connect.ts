import { connect } from 'node:net';
import { type ProbeAttempt, UnrotError } from '@unrot/sdk';

/** Connects once and closes again; never sends a byte, so any TCP service can be checked. */
export function tryConnect(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeAttempt> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new UnrotError('E_EXEC_ABORTED', `tcp probe of ${target} aborted before it started`));
      return;
    }
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const socket = connect({ host, port });
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      settle();
    };
    const onAbort = () => finish(() => reject(new UnrotError('E_EXEC_ABORTED', `tcp probe of ${target} aborted`)));
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(() => resolve({ ok: false, durationMs: elapsed(), detail: `no connection to ${target} within ${timeoutMs} ms` })),
      timeoutMs,
    );
    socket.once('connect', () =>
      finish(() => resolve({ ok: true, durationMs: elapsed(), detail: `connected to ${target} in ${elapsed()} ms` })),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const what = error.code === 'ECONNREFUSED' ? 'connection refused' : error.message;
      finish(() => resolve({ ok: false, durationMs: elapsed(), detail: `${target}: ${what}${error.code ? ` (${error.code})` : ''}` }));
    });
  });
}
