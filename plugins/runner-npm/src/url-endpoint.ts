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

/** A proxy given without scheme (`proxy.lan:3128`) is spoken to in plain http. */
export function proxyUrl(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

/** Hides `user:password@` in a URL before it goes into a report. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

/**
 * npm's `noproxy` rule (@npmcli/agent): an entry matches when its dot-separated labels are the
 * last labels of the host (`.internal` and `internal` both match `reg.internal`). No wildcards.
 */
export function inNoProxy(host: string, noProxy: string | undefined): boolean {
  const hostLabels = host.toLowerCase().split('.').reverse();
  return (noProxy ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      const labels = entry.split('.').filter(Boolean).reverse();
      return labels.length > 0 && labels.every((label, i) => hostLabels[i] === label);
    });
}
