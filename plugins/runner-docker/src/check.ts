import { type CheckResult, isExcluded, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { buildCreate } from './create-argv.js';
import { manifestInspectArgv } from './docker-argv.js';
import { formatRef, type ImageRef, parseImageRef, registryOf, sameRepository } from './names.js';
import type { DockerOptions } from './options.js';
import { parseManifestInspect, type RemoteImage, registryError } from './registry.js';
import { COMPOSE_DIR, COMPOSE_PROJECT, inspectImages, type LocalImage, type RunningContainer, runningContainers } from './state.js';

/** One selected container and what it would become. */
export interface Candidate {
  container: RunningContainer;
  /** Set for a container of a compose project (updated by compose, not recreated by unrot). */
  composeDir?: string;
  ref: ImageRef;
  local: LocalImage;
}

export const PLAIN_SCOPE_PREFIX = 'image ';
export const COMPOSE_SCOPE_PREFIX = 'compose ';

function labelMatches(labels: Record<string, string>, selectors: readonly string[]): boolean {
  return selectors.some((s) => {
    const eq = s.indexOf('=');
    return eq < 0 ? s in labels : labels[s.slice(0, eq)] === s.slice(eq + 1);
  });
}

/** Which running containers the policy selects: plain ones by name/label (all when neither is set), compose ones by project dir. */
export function select(
  containers: readonly RunningContainer[],
  o: DockerOptions,
): { plain: RunningContainer[]; compose: { container: RunningContainer; dir: string }[]; withheld: CheckResult['withheld'] } {
  const plain: RunningContainer[] = [];
  const compose: { container: RunningContainer; dir: string }[] = [];
  const withheld: CheckResult['withheld'] = [];
  const all = o.containers.length === 0 && o.labels.length === 0;
  for (const c of containers) {
    const project = c.labels[COMPOSE_PROJECT];
    const dir = c.labels[COMPOSE_DIR];
    if (project !== undefined) {
      if (dir !== undefined && o.compose_projects.includes(dir)) compose.push({ container: c, dir });
      else if (o.containers.includes(c.name))
        withheld.push({
          name: c.name,
          reason: `managed by compose project ${project} (${dir ?? 'unknown dir'}): list its directory in compose_projects`,
        });
      continue;
    }
    if (o.compose_projects.length > 0 && all) continue; // only compose projects were asked for
    if (all || o.containers.includes(c.name) || labelMatches(c.labels, o.labels)) plain.push(c);
  }
  return { plain, compose, withheld };
}

/** Plan and apply recreate in this order: recreate_order first, then by name. */
export function recreateOrder(names: readonly string[], order: readonly string[]): string[] {
  const rank = (n: string) => {
    const i = order.indexOf(n);
    return i < 0 ? order.length : i;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const shortDigest = (d: string) => d.slice(0, 19);

/** The digest the local image is known by in `repo` (RepoDigests), else its id. */
export function localDigest(local: LocalImage, repository: string): string {
  for (const rd of local.repoDigests) {
    const at = rd.lastIndexOf('@');
    if (at > 0 && sameRepository(rd.slice(0, at), repository)) return rd.slice(at + 1);
  }
  return local.id;
}

async function remoteOf(ctx: RunnerContext<DockerOptions>, ref: ImageRef, local: LocalImage, cache: Map<string, RemoteImage | undefined>) {
  const key = `${formatRef(ref)} ${local.os}/${local.architecture}/${local.variant}`;
  if (cache.has(key)) return cache.get(key);
  const text = formatRef(ref);
  const insecure = ctx.options.insecure_registries.includes(registryOf(ref.repository));
  const r = await ctx.exec.read(manifestInspectArgv(text, insecure), { okExitCodes: [0, 1], timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw registryError(text, r);
  const remote = parseManifestInspect(r.stdout, local);
  cache.set(key, remote);
  return remote;
}

/**
 * Read-only: `docker ps`, `docker container inspect`, `docker image inspect`, then one
 * `docker manifest inspect --verbose` per image reference (the registry's manifest through the
 * container's own docker client, its ~/.docker/config.json credentials and proxy environment).
 * A container is pending when the registry's image for its platform has another config digest
 * (= image id) than the one it runs; nothing is pulled.
 */
export async function checkDocker(ctx: RunnerContext<DockerOptions>): Promise<{ result: CheckResult; candidates: Candidate[] }> {
  const o = ctx.options;
  const containers = await runningContainers(ctx);
  const { plain, compose, withheld } = select(containers, o);
  const selected: { container: RunningContainer; composeDir?: string }[] = [
    ...plain.map((c) => ({ container: c })),
    ...compose.map((c) => ({ container: c.container, composeDir: c.dir })),
  ];
  const images = await inspectImages(ctx, [...new Set(selected.map((s) => s.container.imageId))]);
  const cache = new Map<string, RemoteImage | undefined>();
  const updates: Update[] = [];
  const candidates: Candidate[] = [];

  for (const name of recreateOrder(
    selected.map((s) => s.container.name),
    o.recreate_order,
  )) {
    if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'docker check aborted');
    const s = selected.find((x) => x.container.name === name);
    if (!s) continue;
    const c = s.container;
    const local = images.get(c.imageId);
    if (!local) {
      withheld.push({ name, reason: `its image ${c.imageId.slice(0, 19)} is gone from the engine` });
      continue;
    }
    if (/^(sha256:)?[a-f0-9]{64}$/.test(c.imageRef)) {
      withheld.push({ name, reason: 'created from an image id: no tag to follow' });
      continue;
    }
    const ref = parseImageRef(c.imageRef, `container ${name} Config.Image`);
    const pin = o.pin[name];
    let to: string;
    if (pin !== undefined) {
      if (s.composeDir !== undefined) {
        withheld.push({ name, reason: 'pin applies to plain containers only; pin a compose service in its compose file' });
        continue;
      }
      if (local.repoDigests.some((rd) => rd.endsWith(`@${pin}`) && sameRepository(rd.slice(0, rd.lastIndexOf('@')), ref.repository)))
        continue;
      to = pin;
    } else {
      if (ref.tag === undefined) {
        withheld.push({ name, reason: `runs ${formatRef(ref)}, pinned by digest in its own configuration` });
        continue;
      }
      const remote = await remoteOf(ctx, { repository: ref.repository, tag: ref.tag }, local, cache);
      if (remote === undefined) {
        withheld.push({
          name,
          reason: `the registry's ${formatRef(ref)} has no image for ${local.os}/${local.architecture}${local.variant ? `/${local.variant}` : ''}`,
        });
        continue;
      }
      if (remote.configId === local.id) continue;
      to = remote.digest;
    }
    const from = localDigest(local, ref.repository);
    const scope =
      s.composeDir !== undefined
        ? `${COMPOSE_SCOPE_PREFIX}${s.composeDir}`
        : `${PLAIN_SCOPE_PREFIX}${ref.repository}${ref.tag ? `:${ref.tag}` : ''}`;
    ctx.log.info(
      { container: name, image: formatRef(ref), version: local.version, from: shortDigest(from), to: shortDigest(to) },
      'image update found',
    );
    if (isExcluded(name, ctx.exclusions)) {
      withheld.push({ name, reason: 'excluded by policy' });
      continue;
    }
    if (o.monitor_only.includes(name) || (s.composeDir !== undefined && o.monitor_only.some((m) => s.composeDir?.endsWith(`/${m}`)))) {
      withheld.push({ name, reason: `monitor_only: ${formatRef(ref)} ${shortDigest(from)} → ${shortDigest(to)}` });
      continue;
    }
    // Refused before anything is planned: a container unrot cannot reproduce is never touched.
    if (s.composeDir === undefined) buildCreate({ container: c.raw, image: local.raw, imageRef: c.imageRef });
    updates.push({ name, from, to, scope });
    candidates.push({ container: c, ref, local, ...(s.composeDir === undefined ? {} : { composeDir: s.composeDir }) });
  }
  return { result: { updates, withheld }, candidates };
}
