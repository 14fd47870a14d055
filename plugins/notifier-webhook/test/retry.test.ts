import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import notifier from '../src/index.js';
import { startFakeService } from './helpers/fake-services.js';
import { message, send } from './helpers/send.js';

// Short timings keep the suite fast; the logic is the same at the defaults (10 s, 3 retries, 1 s).
const FAST = { timeout_ms: 400, retries: 2, backoff_ms: 50, retry_after_max_ms: 2_000 };
const budget = (o: Record<string, unknown>) => notifier.maxDurationMs?.({ format: 'slack', ...FAST, ...o } as never) as number;

describe('retries and time limits', () => {
  it('a sink answering 500 is tried 1 + retries times with growing waits, then E_NOTIFY_FAILED', async () => {
    const s = await startFakeService('slack', { inject: () => ({ status: 500, body: 'internal_error' }) });
    try {
      const out = await send({ ...s.options, ...FAST });
      expect(out.error?.code).toBe('E_NOTIFY_FAILED');
      expect(out.error?.message).toBe('slack webhook answered 500 (3 attempts): internal_error');
      expect(out.error?.details).toMatchObject({ format: 'slack', attempts: 3, status: 500 });
      const at = s.server.requests.map((r) => r.at);
      expect(at).toHaveLength(3);
      expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(45);
      expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual(95);
      expect(out.ms).toBeLessThan(budget({}));
    } finally {
      await s.close();
    }
  });

  it('a sink that never answers ends in E_NOTIFY_TIMEOUT within timeout × attempts + backoff', async () => {
    const s = await startFakeService('discord', { inject: () => 'hang' });
    try {
      const out = await send({ ...s.options, ...FAST });
      expect(out.error?.code).toBe('E_NOTIFY_TIMEOUT');
      expect(out.error?.message).toBe('discord webhook timed out after 0.4 s (3 attempts)');
      expect(s.server.requests).toHaveLength(3);
      expect(out.ms).toBeGreaterThanOrEqual(3 * 400 + 50 + 100 - 20);
      expect(out.ms).toBeLessThanOrEqual(3 * 400 + 50 + 100 + 500);
    } finally {
      await s.close();
    }
  });

  it('the default policy is bounded: 4 attempts of 10 s plus waits', () => {
    expect(
      notifier.maxDurationMs?.({ format: 'slack', timeout_ms: 10_000, retries: 3, backoff_ms: 1_000, retry_after_max_ms: 30_000 } as never),
    ).toBe(4 * 10_000 + 3 * 30_000);
  });

  it('429 with Retry-After is honoured, then delivered', async () => {
    const s = await startFakeService('discord', {
      inject: (i) =>
        i === 0
          ? { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"retry_after":1}' }
          : undefined,
    });
    try {
      const out = await send({ ...s.options, ...FAST });
      expect(out.error).toBeUndefined();
      const [first, second] = s.server.requests;
      expect((second?.at as number) - (first?.at as number)).toBeGreaterThanOrEqual(990);
      expect(s.accepted()).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it("telegram's 429 (retry_after in the body, no header) is honoured", async () => {
    const s = await startFakeService('telegram', {
      inject: (i) =>
        i === 0
          ? {
              status: 429,
              body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}',
            }
          : undefined,
    });
    try {
      const out = await send({ ...s.options, ...FAST });
      expect(out.error).toBeUndefined();
      const [first, second] = s.server.requests;
      expect((second?.at as number) - (first?.at as number)).toBeGreaterThanOrEqual(990);
    } finally {
      await s.close();
    }
  });

  it('a Retry-After longer than retry_after_max_ms gives up at once instead of waiting', async () => {
    const s = await startFakeService('gotify', { inject: () => ({ status: 429, headers: { 'retry-after': '3600' } }) });
    try {
      const out = await send({ ...s.options, ...FAST });
      expect(out.error?.code).toBe('E_NOTIFY_FAILED');
      expect(out.error?.message).toBe('gotify server answered 429 and asked to wait 3600 s, more than retry_after_max_ms (2 s)');
      expect(s.server.requests).toHaveLength(1);
      expect(out.ms).toBeLessThan(500);
    } finally {
      await s.close();
    }
  });

  it('a sink that recovers after 2 failures (500, dropped connection) gets the message on the third attempt', async () => {
    const s = await startFakeService('teams', { inject: (i) => (i === 0 ? { status: 503 } : i === 1 ? 'reset' : undefined) });
    try {
      const out = await send({ ...s.options, ...FAST });
      expect(out.error).toBeUndefined();
      expect(s.server.requests).toHaveLength(3);
      expect(s.accepted()).toHaveLength(1);
      expect(out.log.filter((l) => l.level === 'warn')).toHaveLength(2);
    } finally {
      await s.close();
    }
  });

  it('an error answer whose body stalls counts as a timeout; a 2xx whose body stalls as delivered', async () => {
    const failing = await startFakeService('slack', { inject: () => ({ status: 502, body: 'upstream', stallBody: true }) });
    try {
      const out = await send({ ...failing.options, ...FAST, retries: 0 });
      expect(out.error?.code).toBe('E_NOTIFY_TIMEOUT');
      expect(out.ms).toBeLessThan(400 + 500);
    } finally {
      await failing.close();
    }
    const accepting = await startFakeService('slack', { inject: () => ({ status: 200, body: 'o', stallBody: true }) });
    try {
      const out = await send({ ...accepting.options, ...FAST });
      expect(out.error).toBeUndefined();
      expect(out.ms).toBeLessThan(300);
      expect(accepting.server.requests).toHaveLength(1);
    } finally {
      await accepting.close();
    }
  });

  it('other 4xx answers are not retried', async () => {
    for (const status of [400, 403, 404, 410]) {
      const s = await startFakeService('ntfy', { inject: () => ({ status, body: 'nope' }) });
      try {
        const out = await send({ ...s.options, ...FAST });
        expect(out.error?.message).toBe(`ntfy server answered ${status}: nope`);
        expect(s.server.requests).toHaveLength(1);
      } finally {
        await s.close();
      }
    }
  });

  it('a refused connection is retried and reported by its error code only', async () => {
    // Reserve a port, then free it: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const out = await send({ format: 'generic', url: `http://127.0.0.1:${port}/hooks/x`, ...FAST });
    expect(out.error?.code).toBe('E_NOTIFY_FAILED');
    expect(out.error?.message).toBe('webhook could not be reached: ECONNREFUSED (3 attempts)');
    expect(out.error?.message).not.toContain(String(port));
  });

  it('an abort during a backoff wait ends the send at once with a coded error', async () => {
    const s = await startFakeService('slack', { inject: () => ({ status: 500 }) });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const out = await send({ ...s.options, ...FAST, backoff_ms: 10_000 }, message(), controller.signal);
      expect(out.error?.code).toBe('E_NOTIFY_FAILED');
      expect(out.error?.message).toBe('delivery to the slack webhook was aborted');
      expect(out.ms).toBeLessThan(1_000);
    } finally {
      await s.close();
    }
  });

  it('incomplete options are refused with E_CONFIG naming keys, not values', async () => {
    const out = await send({ format: 'telegram', bot_token: '123456:secretvalue000' });
    expect(out.error?.code).toBe('E_CONFIG');
    expect(out.error?.message).toBe("webhook notifier options: format telegram needs 'chat_id'");
    const wrong = await send({ format: 'gotify', url: 'ftp://x/secretpath', token: 't0ken-secret' });
    expect(wrong.error?.message).toBe("webhook notifier options: 'url' must be an http(s) URL");
  });
});
