import { isSourceHost, isSourcePort, type RunnerContext, type SourceEndpoint, UnrotError } from '@unrot/sdk';
import { select } from './check.js';
import { parseImageRef, registryOf } from './names.js';
import type { DockerOptions } from './options.js';
import { runningContainers } from './state.js';

/** Where docker's client and daemon reach a registry: Docker Hub's API host, else host[:port] (443 by default, HTTP or not). */
export function registryEndpoint(registry: string): { host: string; port: number } {
  if (registry === 'docker.io') return { host: 'registry-1.docker.io', port: 443 };
  const colon = registry.lastIndexOf(':');
  const host = colon > 0 ? registry.slice(0, colon) : registry;
  const port = colon > 0 ? Number(registry.slice(colon + 1)) : 443;
  return { host, port };
}

/**
 * The registries of the selected running containers (one endpoint per host:port, the first
 * container naming it as origin), for the engine's pre-flight. A proxy the docker client or
 * daemon is configured with is not seen from here (docs/runners/docker.md).
 */
export async function dockerSources(ctx: RunnerContext<DockerOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'docker sources aborted');
  const { plain, compose } = select(await runningContainers(ctx), ctx.options);
  const out = new Map<string, SourceEndpoint>();
  for (const c of [...plain, ...compose.map((x) => x.container)]) {
    if (/^(sha256:)?[a-f0-9]{64}$/.test(c.imageRef)) continue; // an image id: no registry
    const ref = parseImageRef(c.imageRef, `container ${c.name} Config.Image`);
    const { host, port } = registryEndpoint(registryOf(ref.repository));
    if (!isSourceHost(host) || !isSourcePort(port)) continue;
    const key = `${host}:${port}`;
    if (!out.has(key)) out.set(key, { host, port, origin: `registry of ${ref.repository} (container ${c.name})` });
  }
  return [...out.values()];
}
