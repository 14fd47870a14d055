import { isIP } from 'node:net';

// The engine's pre-flight refuses any other host before probing; filtering here keeps one odd
// setting from failing the whole check (it is logged as not checked instead).
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);
const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, socks: 1080, socks4: 1080, socks5: 1080, socks5h: 1080 };

export function isPlainHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return HOSTNAME.test(host) && !/^[0-9.]+$/.test(host);
}

/**
 * Host and port a URL connects to: the explicit port, else the scheme's default; IPv6 literals
 * lose their brackets. Undefined when there is no plain host or the scheme has no known port.
 */
export function urlEndpoint(url: string): { scheme: string; host: string; port: number } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? DEFAULT_PORTS[scheme] : Number(parsed.port);
  if (!isPlainHost(host) || port === undefined) return undefined;
  return { scheme, host, port };
}

/** pip's `proxy` may omit the scheme (`[user:passwd@]proxy.server:port`); requests then speaks plain http to it. */
export function proxyUrl(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

/** Hides `user:password@` in a URL before it goes into a report. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}
