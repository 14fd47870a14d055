import { isIP } from 'node:net';
import { type SourceEndpoint, UnrotError } from '@unrot/sdk';

// RFC 1123 labels: letters, digits and inner hyphens. No leading hyphen anywhere, so a host can
// never read as an option to nc or getent, and no character a shell would interpret.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;
const DIGITS_AND_DOTS = /^[0-9.]+$/;

/** A host name, an IPv4 address or an IPv6 address without brackets or zone id. */
export function isProbeHost(host: unknown): host is string {
  if (typeof host !== 'string') return false;
  if (isIP(host) === 4) return true;
  if (IPV6_CHARS.test(host) && host.includes(':')) return isIP(host) === 6;
  // `999.1.1.1` is a valid label sequence but no address: refuse rather than let a resolver guess.
  return HOSTNAME.test(host) && !DIGITS_AND_DOTS.test(host);
}

export function isProbePort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * Host and port go into argv inside the container (as positional parameters, never into a
 * script), but they come from runner plugins: anything that is not plainly a host name or an
 * address is refused before a single command runs.
 */
export function assertProbeTarget(endpoint: SourceEndpoint): void {
  const { host, port, origin } = endpoint;
  if (!isProbeHost(host)) {
    throw new UnrotError(
      'E_RUNNER_INVALID_OUTPUT',
      `refusing to probe ${JSON.stringify(host)}: not a host name or IP address (from ${origin})`,
      { host, port, origin },
    );
  }
  if (!isProbePort(port)) {
    throw new UnrotError('E_RUNNER_INVALID_OUTPUT', `refusing to probe ${host}: port ${JSON.stringify(port)} is not an integer 1–65535`, {
      host,
      port,
      origin,
    });
  }
}

/** `host:port`, with an IPv6 address in brackets. */
export function formatTarget(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
