import { isIP } from 'node:net';

/**
 * URL helpers for runners' `sources()`: the host and port a package source or proxy URL
 * connects to, in the form the engine's pre-flight probes (shared so every runner filters alike).
 */

// The engine's pre-flight refuses any other host before probing; filtering in the runner keeps one
// odd source line from failing the whole check (the runner logs it as not checked instead).
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);

/** A DNS name or an IP address literal (IPv6 without brackets), nothing else. */
export function isPlainHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return HOSTNAME.test(host) && !/^[0-9.]+$/.test(host);
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ftp: 21, ssh: 22, socks5h: 1080, socks5: 1080 };

/**
 * Host and port a URL connects to: the explicit port, else the scheme's default. IPv6 literals
 * lose their brackets (the form a resolver and the probe take). Undefined when the URL has no
 * plain host name or address, or the scheme has no known port.
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

/** A proxy setting may omit the scheme (`proxy.lan:3128`); apt, npm and pip then speak plain http to it. */
export function proxyUrl(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

/** Hides `user:password@` in a URL before it goes into a report. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}
