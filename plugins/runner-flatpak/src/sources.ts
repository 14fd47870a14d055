import { type Logger, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { commands, describeInstallation, type Installation, installationsOf } from './installation.js';
import type { FlatpakOptions } from './options.js';
import { parseRemotes, type Remote } from './parse.js';

/**
 * Pure: the network endpoints of one installation's remotes, credentials redacted from the
 * origin. An OCI remote (oci+https://…) is reached over https; a file:// remote needs no network.
 * `seen` (host:port) keeps one endpoint per host across installations.
 */
export function remoteEndpoints(remotes: readonly Remote[], installation: Installation, seen: Set<string>, log: Logger): SourceEndpoint[] {
  const endpoints: SourceEndpoint[] = [];
  for (const remote of remotes) {
    const url = remote.url.replace(/^oci\+/i, '');
    const endpoint = urlEndpoint(url);
    if (!endpoint || !/^https?$/.test(endpoint.scheme)) {
      if (!/^file:/i.test(url))
        log.warn({ remote: remote.name, url: redactUrl(remote.url) }, 'flatpak remote URL has no network endpoint unrot can check');
      continue;
    }
    const key = `${endpoint.host}:${endpoint.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const origin = `flatpak remote ${remote.name} ${redactUrl(remote.url)} (${describeInstallation(installation)})`;
    endpoints.push({ host: endpoint.host, port: endpoint.port, origin });
  }
  return endpoints;
}

/** The enabled remotes of each configured installation, from flatpak's own config (`flatpak remotes`). */
export async function flatpakSources(ctx: RunnerContext<FlatpakOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'sources aborted before it started');
  const endpoints: SourceEndpoint[] = [];
  const seen = new Set<string>();
  for (const installation of installationsOf(ctx.options)) {
    const argv = commands.remotes(installation);
    const remotes = parseRemotes((await ctx.exec.read(argv)).stdout, argv.join(' '));
    endpoints.push(...remoteEndpoints(remotes, installation, seen, ctx.log));
  }
  return endpoints;
}
