import type { WebhookOptions } from './options.js';

const SECRET_KEYS = ['url', 'bot_token', 'token', 'secret'] as const;

/**
 * Every string that would give a secret away: whole values, and for URLs the parts that carry
 * the credential (path and query of a webhook URL, user info), raw and percent-encoded.
 */
export function secretStrings(options: WebhookOptions): string[] {
  const out = new Set<string>();
  const add = (s: string | undefined) => {
    if (!s || s.length < 4) return;
    out.add(s);
    out.add(encodeURIComponent(s));
  };
  for (const key of SECRET_KEYS) {
    const value = options[key];
    if (typeof value !== 'string') continue;
    add(value);
    if (URL.canParse(value)) {
      const u = new URL(value);
      if (u.pathname.length > 1) add(u.pathname + u.search);
      add(u.search.slice(1));
      add(decodeURIComponent(u.username));
      add(decodeURIComponent(u.password));
      for (const segment of u.pathname.split('/')) if (segment.length >= 8) add(segment);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replaces every secret string in `text` (a service's answer) with [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}
