import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { checkWebhookOptions, type WebhookOptions, WebhookOptionsSchema } from '../src/options.js';

const withDefaults = (o: Record<string, unknown>) => Value.Default(WebhookOptionsSchema, structuredClone(o)) as WebhookOptions;
const check = (o: Record<string, unknown>) => checkWebhookOptions(withDefaults(o));

describe('options', () => {
  it('defaults: 10 s per attempt, 3 retries, 1 s backoff, Retry-After honoured up to 30 s', () => {
    const o = withDefaults({ format: 'slack', url: 'https://hooks.slack.com/services/T/B/X' });
    expect(o).toMatchObject({ timeout_ms: 10_000, retries: 3, backoff_ms: 1_000, retry_after_max_ms: 30_000 });
    expect(Value.Check(WebhookOptionsSchema, o)).toBe(true);
  });

  it('marks every secret option x-secret, so the engine refuses inline values', () => {
    const props = WebhookOptionsSchema.properties as Record<string, Record<string, unknown>>;
    const secret = Object.keys(props).filter((k) => props[k]?.['x-secret'] === true);
    expect(secret.sort()).toEqual(['bot_token', 'secret', 'token', 'url']);
  });

  it('names what each format is missing', () => {
    expect(check({ format: 'slack' })).toEqual(["format slack needs 'url'"]);
    expect(check({ format: 'telegram' })).toEqual(["format telegram needs 'bot_token'", "format telegram needs 'chat_id'"]);
    expect(check({ format: 'gotify', url: 'https://push.example.com' })).toEqual(["format gotify needs 'token'"]);
    expect(check({ format: 'ntfy', url: 'https://ntfy.sh/topic' })).toEqual([]);
    expect(check({ format: 'telegram', bot_token: '123:abc', chat_id: '@ops' })).toEqual([]);
  });

  it('names keys another format would read, never their values', () => {
    const problems = check({ format: 'slack', url: 'https://h/x', secret: 'hmac-key-value', bot_token: '1:tokenvalue', priority: 3 });
    expect(problems).toEqual([
      "'bot_token' is not used by format slack",
      "'priority' is not used by format slack",
      "'secret' is not used by format slack",
    ]);
    expect(problems.join()).not.toMatch(/hmac-key-value|tokenvalue/);
  });

  it('refuses non-http URLs, malformed bot tokens and ntfy priorities outside 1..5 without echoing them', () => {
    const problems = [
      ...check({ format: 'generic', url: 'file:///etc/secret-path' }),
      ...check({ format: 'telegram', bot_token: 'not a token secretvalue', chat_id: 1, api_base: 'nope' }),
      ...check({ format: 'ntfy', url: 'https://ntfy.sh/t', priority: 8 }),
    ];
    expect(problems).toEqual([
      "'url' must be an http(s) URL",
      "'api_base' must be an http(s) URL",
      "'bot_token' does not look like a Telegram bot token (digits, a colon, then letters, digits, _ and -)",
      "'priority' must be from 1 to 5 for ntfy",
    ]);
    expect(problems.join()).not.toMatch(/secret-path|secretvalue/);
  });

  it('the schema refuses unknown keys and out-of-range limits', () => {
    expect(Value.Check(WebhookOptionsSchema, withDefaults({ format: 'slack', url: 'https://h', webhook: 'x' }))).toBe(false);
    expect(Value.Check(WebhookOptionsSchema, withDefaults({ format: 'slack', url: 'https://h', timeout_ms: 50 }))).toBe(false);
    expect(Value.Check(WebhookOptionsSchema, withDefaults({ format: 'matrix', url: 'https://h' }))).toBe(false);
  });
});
