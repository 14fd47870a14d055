/**
 * Milliseconds a 429/503 answer asks to wait: the Retry-After header (seconds or an HTTP date,
 * RFC 9110 §10.2.3), else Telegram's `parameters.retry_after` or Discord's `retry_after` (seconds).
 */
export function retryAfterMs(header: string | string[] | undefined, body: string, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    const v = value.trim();
    if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
    const date = Date.parse(v);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const seconds = parsed.parameters?.retry_after ?? parsed.retry_after;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  } catch {
    // Not JSON: no hint in the body.
  }
  return undefined;
}
