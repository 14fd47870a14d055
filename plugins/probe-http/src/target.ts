import { UnrotError } from '@unrot/sdk';
import type { HttpOptions } from './options.js';

export interface Target {
  url: URL;
  /** scheme://host:port/path, without credentials or query: safe for details and logs. */
  display: string;
  /** From user:password@ in the URL, sent as a header instead (undici refuses credentials in URLs). */
  authorization?: string;
}

export function resolveTarget(options: HttpOptions, address: string | undefined): Target {
  let url: URL;
  if (options.url !== undefined) {
    try {
      url = new URL(options.url);
    } catch {
      throw new UnrotError('E_CONFIG', 'url is not a valid URL');
    }
  } else {
    const host = options.host ?? address ?? '127.0.0.1';
    const bracketed = host.includes(':') ? `[${host}]` : host;
    const port = options.port ?? (options.scheme === 'https' ? 443 : 80);
    url = new URL(`${options.scheme}://${bracketed}:${port}${options.path}`);
  }
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  const display = `${url.protocol}//${url.hostname}:${port}${url.pathname}${url.search ? '?…' : ''}`;
  return authorization === undefined ? { url, display } : { url, display, authorization };
}
