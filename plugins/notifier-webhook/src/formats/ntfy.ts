import type { Severity } from '@unrot/sdk';
import { bodyText } from '../message.js';
import { truncate, truncateBytes } from '../text.js';
import type { FormatBuilder } from './types.js';

/** ntfy turns a body above 4096 bytes into an attachment (https://docs.ntfy.sh/publish/#limitations). */
export const NTFY_MAX_BYTES = 4096;

const PRIORITY: Record<Severity, number> = { success: 3, degraded: 4, failure: 5 };
const TAGS: Record<Severity, string> = { success: 'white_check_mark', degraded: 'warning', failure: 'rotating_light' };

/** Header values must be ASCII: other text goes RFC 2047 encoded, which ntfy decodes. */
export function headerText(s: string): string {
  const clean = s.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  return `=?UTF-8?B?${Buffer.from(clean).toString('base64')}?=`;
}

export const ntfy: FormatBuilder = (options, message) => {
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    title: headerText(truncate(message.title, 200)),
    priority: String(options.priority ?? PRIORITY[message.severity]),
    tags: `${TAGS[message.severity]},unrot`,
  };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  const body = truncateBytes(bodyText(message), NTFY_MAX_BYTES);
  return { label: 'ntfy server', url: options.url as string, prepare: () => ({ headers, body }) };
};
