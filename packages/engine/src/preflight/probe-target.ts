import { isSourceHost, isSourcePort, type SourceEndpoint, UnrotError } from '@unrot/sdk';

/**
 * Host and port go into argv inside the container (as positional parameters, never into a
 * script), but they come from runner plugins: anything that is not plainly a host name or an
 * address is refused before a single command runs.
 */
export function assertProbeTarget(endpoint: SourceEndpoint): void {
  const { host, port, origin } = endpoint;
  if (!isSourceHost(host)) {
    throw new UnrotError(
      'E_RUNNER_INVALID_OUTPUT',
      `refusing to probe ${JSON.stringify(host)}: not a host name or IP address (from ${origin})`,
      { host, port, origin },
    );
  }
  if (!isSourcePort(port)) {
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
