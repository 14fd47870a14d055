import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, UnrotError } from '@unrot/sdk';
import { Agent, request } from 'undici';
import type { OutgoingRequest } from './formats/index.js';
import { redact } from './redact.js';
import { retryAfterMs } from './retry-after.js';

export interface DeliveryPolicy {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  retryAfterMaxMs: number;
}

/** Backoff doubles per retry up to this. */
export const BACKOFF_CAP_MS = 30_000;
/** Kept of an error answer for the message (redacted); enough for "Bad Request: chat not found". */
const SNIPPET_BYTES = 2048;

export function backoffMs(policy: DeliveryPolicy, retry: number): number {
  return Math.min(policy.backoffMs * 2 ** (retry - 1), BACKOFF_CAP_MS);
}

/** The longest a delivery can take: every attempt timing out and every wait at its longest. */
export function maxDeliveryMs(policy: DeliveryPolicy): number {
  let total = (policy.retries + 1) * policy.timeoutMs;
  for (let retry = 1; retry <= policy.retries; retry++) total += Math.max(backoffMs(policy, retry), policy.retryAfterMaxMs);
  return total;
}

type Attempt =
  | { kind: 'ok'; status: number }
  | { kind: 'status'; status: number; snippet: string; retryAfterMs: number | undefined }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'network'; code: string };

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;

/** Only a bare error code (ECONNREFUSED, UND_ERR_SOCKET) leaves here: messages may name hosts. */
function networkCode(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) && code !== 'UND_ERR_SOCKET') return code;
  }
  return 'network error';
}

async function readSnippet(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= SNIPPET_BYTES) break;
  }
  body.destroy();
  return (
    Buffer.concat(chunks)
      .subarray(0, SNIPPET_BYTES)
      .toString('utf8')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
  );
}

async function attemptOnce(out: OutgoingRequest, agent: Agent, policy: DeliveryPolicy, signal: AbortSignal): Promise<Attempt> {
  const timeout = AbortSignal.timeout(policy.timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  const { headers, body } = out.prepare();
  try {
    const res = await request(out.url, {
      method: 'POST',
      headers: { 'user-agent': 'unrot-notifier-webhook/0.1', ...headers },
      body,
      dispatcher: agent,
      signal: both,
      headersTimeout: policy.timeoutMs,
      bodyTimeout: policy.timeoutMs,
    });
    // The attempt's timer can still fire after the body is done with; its abort error is expected.
    res.body.on('error', () => undefined);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      // Accepted once the status is in: a body that then stalls must not turn it into a failure.
      res.body.destroy();
      return { kind: 'ok', status: res.statusCode };
    }
    const snippet = await readSnippet(res.body);
    return { kind: 'status', status: res.statusCode, snippet, retryAfterMs: retryAfterMs(res.headers['retry-after'], snippet) };
  } catch (error) {
    if (signal.aborted) return { kind: 'aborted' };
    if (timeout.aborted || (error as { code?: unknown }).code === 'UND_ERR_HEADERS_TIMEOUT') return { kind: 'timeout' };
    if ((error as { code?: unknown }).code === 'UND_ERR_BODY_TIMEOUT' || (error as { code?: unknown }).code === 'UND_ERR_CONNECT_TIMEOUT') {
      return { kind: 'timeout' };
    }
    return { kind: 'network', code: networkCode(error) };
  }
}

const retryable = (a: Attempt) =>
  a.kind === 'timeout' || a.kind === 'network' || (a.kind === 'status' && (a.status >= 500 || a.status === 429));

/**
 * Sends `out` with retries. Resolves when the service accepted it (2xx); otherwise rejects with
 * E_NOTIFY_TIMEOUT (the last attempt timed out) or E_NOTIFY_FAILED. Never takes longer than
 * maxDeliveryMs(policy). Neither URL nor secrets reach the error or the log.
 */
export async function deliver(
  out: OutgoingRequest,
  policy: DeliveryPolicy,
  ctx: { log: Logger; signal: AbortSignal; format: string; secrets: readonly string[] },
): Promise<void> {
  const attempts = policy.retries + 1;
  const started = Date.now();
  // Own connection pool per delivery: nothing lingers (or keeps the process alive) afterwards.
  const agent = new Agent({ connect: { timeout: policy.timeoutMs }, keepAliveTimeout: 1_000 });
  const fail = (code: 'E_NOTIFY_FAILED' | 'E_NOTIFY_TIMEOUT', message: string, attempt: number, status?: number) =>
    new UnrotError(code, message, {
      format: ctx.format,
      attempts: attempt,
      ...(status !== undefined && { status }),
      durationMs: Date.now() - started,
    });
  const tries = (n: number) => (n === 1 ? '' : ` (${n} attempts)`);
  try {
    for (let attempt = 1; ; attempt++) {
      if (ctx.signal.aborted) throw fail('E_NOTIFY_FAILED', `delivery to the ${out.label} was aborted`, attempt - 1);
      const t0 = Date.now();
      const result = await attemptOnce(out, agent, policy, ctx.signal);
      const status = 'status' in result ? result.status : undefined;
      ctx.log.debug({ format: ctx.format, attempt, outcome: result.kind, status, durationMs: Date.now() - t0 }, 'notification attempt');
      if (result.kind === 'ok') return;
      if (result.kind === 'aborted') throw fail('E_NOTIFY_FAILED', `delivery to the ${out.label} was aborted`, attempt);

      const last = attempt >= attempts || !retryable(result);
      let wait = result.kind === 'status' && result.retryAfterMs !== undefined ? result.retryAfterMs : backoffMs(policy, attempt);
      if (!last && result.kind === 'status' && result.retryAfterMs !== undefined && result.retryAfterMs > policy.retryAfterMaxMs) {
        throw fail(
          'E_NOTIFY_FAILED',
          `${out.label} answered ${result.status} and asked to wait ${seconds(result.retryAfterMs)}, more than retry_after_max_ms (${seconds(policy.retryAfterMaxMs)})`,
          attempt,
          result.status,
        );
      }
      if (last) {
        if (result.kind === 'timeout')
          throw fail('E_NOTIFY_TIMEOUT', `${out.label} timed out after ${seconds(policy.timeoutMs)}${tries(attempt)}`, attempt);
        if (result.kind === 'network')
          throw fail('E_NOTIFY_FAILED', `${out.label} could not be reached: ${result.code}${tries(attempt)}`, attempt);
        const snippet = redact(result.snippet, ctx.secrets).slice(0, 300);
        throw fail(
          'E_NOTIFY_FAILED',
          `${out.label} answered ${result.status}${tries(attempt)}${snippet ? `: ${snippet}` : ''}`,
          attempt,
          result.status,
        );
      }
      wait = Math.max(0, wait);
      ctx.log.warn({ format: ctx.format, attempt, outcome: result.kind, status, waitMs: wait }, 'notification attempt failed; retrying');
      try {
        await sleep(wait, undefined, { signal: ctx.signal });
      } catch {
        throw fail('E_NOTIFY_FAILED', `delivery to the ${out.label} was aborted`, attempt);
      }
    }
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}
