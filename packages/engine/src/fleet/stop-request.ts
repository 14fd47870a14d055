/**
 * What a graceful stop request says in reports and logs: `SIGTERM received`, taken from the
 * AbortSignal's reason (the CLI aborts with the signal's name).
 */
export function stopDetail(stop: AbortSignal | undefined): string {
  const reason: unknown = stop?.reason;
  return typeof reason === 'string' && /^SIG[A-Z]+$/.test(reason) ? `${reason} received` : 'a stop was requested';
}
