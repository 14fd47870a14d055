import type { Notification } from '@unrot/sdk';

const COLORS: Record<string, string> = { success: '#1a7f37', degraded: '#9a6700', failure: '#cf222e' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Line breaks (CR, LF, NEL, U+2028/2029) and every other control or bidi character: none belongs in a header.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const HEADER_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** A header value on one line: a title from a report can never start a header of its own (Bcc:, a MIME boundary). */
export function headerValue(text: string): string {
  return text.replace(HEADER_UNSAFE, ' ').trim();
}

/** `[unrot] FAILURE: 1 failed, 2 updated on pve1` — severity first, even if the title lacks it. */
export function renderSubject(message: Notification, prefix: string): string {
  const severity = message.severity.toUpperCase();
  const title = headerValue(message.title);
  const body = title.toUpperCase().startsWith(`${severity}:`) ? title : `${severity}: ${title}`;
  return `${prefix ? `${prefix} ` : ''}${body}`.slice(0, 250);
}

export function renderText(message: Notification): string {
  return `${message.text}\n\n-- \nunrot run ${message.runId}\n`;
}

/** The same content as the text part, escaped; pre-wrap keeps the log lines aligned. */
export function renderHtml(message: Notification): string {
  const color = COLORS[message.severity] ?? '#24292f';
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"></head>',
    '<body style="font-family:sans-serif">',
    `<h2 style="color:${color}">${escapeHtml(message.title)}</h2>`,
    `<pre style="font-family:monospace;white-space:pre-wrap">${escapeHtml(message.text)}</pre>`,
    `<p style="color:#57606a;font-size:smaller">unrot run ${escapeHtml(message.runId)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
}
