import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { checkEmailOptions, EmailOptionsSchema, escapeHtml, notifier, renderSubject } from '../src/index.js';
import { failureMessage } from './helpers/messages.js';

const base = { host: 'smtp.example.org', from: 'unrot <unrot@pve1.example>', to: ['ops@example.org'] };

describe('email options', () => {
  it('accepts a minimal config and fills the defaults', () => {
    const o = Value.Default(EmailOptionsSchema, structuredClone(base));
    expect(Value.Errors(EmailOptionsSchema, o).First()).toBeUndefined();
    expect(o).toMatchObject({ security: 'starttls', timeout_s: 20, subject_prefix: '[unrot]' });
    expect(notifier.maxDurationMs?.(o as never)).toBe(60_000);
  });

  it('refuses header injection, bad addresses, no recipients and unknown keys', () => {
    for (const bad of [
      { ...base, from: 'unrot@pve1.example\r\nBcc: x@evil.example' },
      { ...base, to: ['not-an-address'] },
      { ...base, to: ['a@b.example, c@d.example'] },
      { ...base, to: [] },
      { ...base, subject_prefix: 'x\ny' },
      { ...base, security: 'ssl' },
      { ...base, password: 'x' },
      { ...base, ca_file: 'relative.pem' },
    ]) {
      expect(Value.Check(EmailOptionsSchema, bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('marks the password as a secret for the engine', () => {
    const auth = EmailOptionsSchema.properties.auth as unknown as { properties: { password: Record<string, unknown> } };
    expect(auth.properties.password['x-secret']).toBe(true);
  });

  it('checkOptions refuses a password over plain text except to loopback, naming keys only', () => {
    const auth = { user: 'u', password: 'sekrit-password' };
    const problems = checkEmailOptions({ ...base, security: 'plain', auth });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('security: plain');
    expect(problems[0]).not.toContain('sekrit-password');
    expect(checkEmailOptions({ ...base, host: '127.0.0.1', security: 'plain', auth })).toEqual([]);
    expect(checkEmailOptions({ ...base, auth })).toEqual([]);
    expect(checkEmailOptions({ ...base, security: 'plain', ca_file: '/etc/ca.pem' })).toEqual([
      'ca_file has no effect with security: plain',
    ]);
  });

  it('escapes HTML and keeps subjects on one line', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
    expect(renderSubject({ ...failureMessage, title: 'FAILURE: a\r\nBcc: x@evil.example' }, '[unrot]')).toBe(
      '[unrot] FAILURE: a Bcc: x@evil.example',
    );
  });
});
