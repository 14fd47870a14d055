import { isIP } from 'node:net';

/**
 * URL helpers for runners' `sources()`: the host and port a package source or proxy URL
 * connects to, in the form the engine's pre-flight probes (shared so every runner filters alike).
 */

// The one host rule for package sources: runners filter with it (one odd source line is logged as
// not checked instead of failing the whole check), the engine's pre-flight refuses anything else
// before probing, and the contract kit holds plugins to it. RFC 1123 labels: no leading hyphen
// anywhere, so a host can never read as an option to nc or getent, and no shell character.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;
const DIGITS_AND_DOTS = /^[0-9.]+$/;

/** A host name, an IPv4 address, or an IPv6 address without brackets or zone id; nothing else. */
export function isSourceHost(host: unknown): host is string {
  if (typeof host !== 'string') return false;
  if (isIP(host) === 4) return true;
  if (IPV6_CHARS.test(host) && host.includes(':')) return isIP(host) === 6;
  // `999.1.1.1` is a valid label sequence but no address: refuse rather than let a resolver guess.
  return HOSTNAME.test(host) && !DIGITS_AND_DOTS.test(host);
}

/** A TCP port 1–65535. */
export function isSourcePort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
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
  if (!isSourceHost(host) || port === undefined) return undefined;
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
