import { compileRegex, outputMismatch, type ProbeAttempt, UnrotError } from '@unrot/sdk';
import { Agent, request } from 'undici';

import { describeError } from './describe-error.js';
import type { HttpOptions } from './options.js';
import { describeSpecs, statusMatches } from './status-match.js';
import { resolveTarget } from './target.js';
import { tlsOptions } from './tls.js';

/** Marks the per-attempt deadline apart from the engine's abort. */
class AttemptTimeout extends Error {}

async function readBody(body: AsyncIterable<Buffer>, limit: number, keep: boolean): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  // Read to the end even when not matching: a connection dropped mid-body must fail the attempt.
  for await (const chunk of body) {
    if (keep && kept < limit) {
      chunks.push(chunk.subarray(0, limit - kept));
      kept += Math.min(chunk.length, limit - kept);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One request with a fresh connection (no pooling across attempts: each attempt sees the server as a new client would). */
export async function httpAttempt(options: HttpOptions, address: string | undefined, signal: AbortSignal): Promise<ProbeAttempt> {
  const target = resolveTarget(options, address);
  const matching = options.body_contains !== undefined || options.body_regex !== undefined;
  if (matching && options.method === 'HEAD') throw new UnrotError('E_CONFIG', 'body_contains / body_regex need method GET');
  compileRegex(options.body_regex, 'body_regex');
  const tls = target.url.protocol === 'https:' ? await tlsOptions(options.tls) : undefined;
  if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', `http probe of ${target.display} aborted before it started`);

  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), options.timeout_ms);
  const agent = new Agent({ connect: { ...tls, timeout: options.timeout_ms }, pipelining: 0 });
  const headers: Record<string, string> = { 'user-agent': 'unrot-probe-http', ...options.headers };
  if (target.authorization !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization'))
    headers.authorization = target.authorization;

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const head = `${options.method} ${target.display}`;
  let status: number | undefined;
  try {
    const response = await request(target.url, {
      method: options.method,
      headers,
      signal: controller.signal,
      dispatcher: agent,
      headersTimeout: options.timeout_ms,
      bodyTimeout: options.timeout_ms,
    });
    status = response.statusCode;
    const body = await readBody(response.body, options.max_body_bytes, matching);
    const durationMs = elapsed();
    const got = `${head} → ${status} in ${durationMs} ms`;
    if (!statusMatches(status, options.expect_status))
      return { ok: false, durationMs, detail: `${got}, expected ${describeSpecs(options.expect_status)}` };
    const mismatch = outputMismatch(body, { contains: options.body_contains, regex: options.body_regex }, 'the body');
    if (mismatch) return { ok: false, durationMs, detail: `${got}, but ${mismatch}` };
    if (options.latency_slo_ms !== undefined && durationMs > options.latency_slo_ms)
      return { ok: false, durationMs, detail: `${got}, slower than the ${options.latency_slo_ms} ms SLO` };
    return { ok: true, durationMs, detail: got };
  } catch (error) {
    const durationMs = elapsed();
    if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', `http probe of ${target.display} aborted`);
    if (controller.signal.reason instanceof AttemptTimeout)
      return {
        ok: false,
        durationMs,
        detail: `${head}${status === undefined ? '' : ` → ${status}`}: no complete response within ${options.timeout_ms} ms`,
      };
    if (status !== undefined)
      return { ok: false, durationMs, detail: `${head} → ${status}, then the body failed after ${durationMs} ms: ${describeError(error)}` };
    return { ok: false, durationMs, detail: `${head} failed after ${durationMs} ms: ${describeError(error)}` };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    await agent.destroy().catch(() => undefined);
  }
}
