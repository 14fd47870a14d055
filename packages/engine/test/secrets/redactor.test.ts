import { UnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from '../../src/secrets/index.js';

const SECRET = 'p@ss w0rd/+?&"é';

describe('redactor', () => {
  const r = createRedactor([SECRET, 'tok-abcdef']);

  it('scrubs the raw, URL-encoded, base64 and JSON-escaped forms', () => {
    const forms = [
      SECRET,
      encodeURIComponent(SECRET),
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(SECRET).toString('base64url'),
      JSON.stringify(SECRET).slice(1, -1),
    ];
    for (const form of forms) {
      const out = r.string(`before ${form} after`);
      expect(out, form).toBe(`before ${REDACTED} after`);
      expect(r.leaks(out)).toBe(false);
    }
    expect(r.string('https://u:tok-abcdef@h/x?t=tok-abcdef')).toBe('https://u:***@h/x?t=***');
    expect(r.leaks(`x ${SECRET}`)).toBe(true);
  });

  it('scrubs deep objects and arrays, keeping structure and non-strings, without touching the input', () => {
    const input = { a: [1, { b: `x${SECRET}y`, c: true }], d: null, e: { f: 'tok-abcdef' }, when: new Date(0) };
    const out = r.value(input);
    expect(out).toEqual({ a: [1, { b: 'x***y', c: true }], d: null, e: { f: '***' }, when: new Date(0) });
    expect(input.e.f).toBe('tok-abcdef');
  });

  it('scrubs errors: message, stack and details, keeping the code', () => {
    const e = new UnrotError('E_NOTIFY_FAILED', `login with tok-abcdef refused`, { url: `https://h/?k=${encodeURIComponent(SECRET)}` });
    const out = r.value(e);
    expect(out).toBeInstanceOf(UnrotError);
    expect(out.code).toBe('E_NOTIFY_FAILED');
    expect(out.message).toBe('login with *** refused');
    expect(out.stack).not.toContain('tok-abcdef');
    expect(JSON.stringify(out)).not.toContain('tok-abcdef');
    expect(out.details).toEqual({ url: 'https://h/?k=***' });
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { s: 'tok-abcdef' };
    a.self = a;
    const out = r.value(a) as Record<string, unknown>;
    expect(out.s).toBe('***');
    expect(out.self).toBe(out);
  });

  it('a secret that contains another is scrubbed whole', () => {
    const r2 = createRedactor(['abcd', 'xxabcdxx']);
    expect(r2.string('1 xxabcdxx 2 abcd')).toBe('1 *** 2 ***');
  });

  it('with no secrets it is the identity', () => {
    const r0 = createRedactor([]);
    const v = { a: 'b' };
    expect(r0.value(v)).toBe(v);
    expect(r0.string('abc')).toBe('abc');
  });
});
