const ELLIPSIS = '…';

/**
 * Cuts `text` to at most `max` UTF-16 code units (the unit JavaScript-based services such as
 * Slack and Discord count), ending with an ellipsis, never inside a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/** Cuts `text` so its UTF-8 encoding is at most `maxBytes`, never inside a character. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS);
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > budget) break;
    bytes += size;
    out += ch;
  }
  return out + ELLIPSIS;
}

/**
 * Escapes text, then cuts the plain text (never an entity) until the escaped form fits `max`.
 * For HTML-like markups whose limit counts the escaped text.
 */
export function escapeWithin(text: string, max: number, encode: (s: string) => string): string {
  let plain = text;
  let escaped = encode(plain);
  while (escaped.length > max) {
    // Each escape grows a character at most 6-fold (& → &amp;, " → &quot;); cut proportionally.
    const over = escaped.length - max;
    plain = truncate(plain, Math.max(0, plain.length - Math.max(1, Math.ceil(over / 6))));
    escaped = encode(plain);
  }
  return escaped;
}
