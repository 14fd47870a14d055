import { describe, expect, it } from 'vitest';
import { signature } from '../src/index.js';
import { startFakeService } from './helpers/fake-services.js';
import { message, send } from './helpers/send.js';
import { verifySignature } from './helpers/validators.js';

const SECRET = 'whsec_5f2b8c1d9e0a4b7c';

describe('generic webhook signatures (receiver side)', () => {
  it('a receiver holding the key verifies the timestamp and signature of what arrived', async () => {
    const s = await startFakeService('generic', { signingSecret: SECRET });
    try {
      const out = await send(s.options);
      expect(out.error).toBeUndefined();
      const req = s.accepted()[0];
      expect(req).toBeDefined();
      if (!req) return;
      expect(req.headers['x-unrot-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(Math.abs(Number(req.headers['x-unrot-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
      expect(verifySignature(req, SECRET)).toEqual({ ok: true });
      // The documented recipe, spelled out: HMAC-SHA256(key, "<timestamp>.<raw body>").
      expect(req.headers['x-unrot-signature']).toBe(signature(SECRET, String(req.headers['x-unrot-timestamp']), req.text));
    } finally {
      await s.close();
    }
  });

  it('a tampered body, a wrong key or a replayed old request fail verification', async () => {
    const s = await startFakeService('generic', { signingSecret: SECRET });
    try {
      await send(s.options);
      const req = s.accepted()[0];
      if (!req) throw new Error('nothing arrived');
      expect(verifySignature({ ...req, text: req.text.replace('degraded', 'success') }, SECRET)).toEqual({
        ok: false,
        reason: 'bad signature',
      });
      expect(verifySignature(req, 'another-key')).toEqual({ ok: false, reason: 'bad signature' });
      expect(verifySignature(req, SECRET, { now: Date.now() + 10 * 60_000 })).toEqual({ ok: false, reason: 'stale timestamp' });
      const retimed = { ...req, headers: { ...req.headers, 'x-unrot-timestamp': String(Math.floor(Date.now() / 1000) + 1) } };
      expect(verifySignature(retimed, SECRET)).toEqual({ ok: false, reason: 'bad signature' });
    } finally {
      await s.close();
    }
  });

  it('a receiver with another key refuses (401), which is not retried', async () => {
    const s = await startFakeService('generic', { signingSecret: 'the-receivers-key' });
    try {
      const out = await send({ ...s.options, secret: SECRET });
      expect(out.error?.code).toBe('E_NOTIFY_FAILED');
      expect(out.error?.message).toBe('webhook answered 401: {"error":"bad signature"}');
      expect(s.server.requests).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('retries re-sign with a fresh timestamp and keep one delivery id for de-duplication', async () => {
    const s = await startFakeService('generic', { signingSecret: SECRET, inject: (i) => (i < 2 ? { status: 502 } : undefined) });
    try {
      const out = await send({ ...s.options, retries: 2, backoff_ms: 600 });
      expect(out.error).toBeUndefined();
      const [a, , c] = s.server.requests;
      expect(c?.headers['x-unrot-delivery']).toBe(a?.headers['x-unrot-delivery']);
      expect(Number(c?.headers['x-unrot-timestamp'])).toBeGreaterThan(Number(a?.headers['x-unrot-timestamp']));
      for (const r of s.server.requests) expect(verifySignature(r, SECRET)).toEqual({ ok: true });
    } finally {
      await s.close();
    }
  });

  it('unsigned when no secret is set', async () => {
    const s = await startFakeService('generic');
    try {
      await send(s.options, message());
      expect(s.accepted()[0]?.headers['x-unrot-signature']).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
