import { UnrotError } from '@unrot/sdk';

// Docker's own rules (moby daemon/names, distribution/reference), never starting with `-` so a
// value can never be read as an option.
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

/** An image reference split as docker reads it; `tag` is undefined for a reference by digest only. */
export interface ImageRef {
  /** domain/path as docker stores it in RepoDigests (docker.io/library/ left as written). */
  repository: string;
  tag?: string;
  digest?: string;
}

function unsafe(what: string, value: string, context: string): UnrotError {
  return new UnrotError('E_RUNNER_UNSAFE_NAME', `${context}: not a valid ${what}: ${JSON.stringify(value.slice(0, 200))}`, {
    what,
    value: value.slice(0, 200),
    context,
  });
}

/** A container name as docker prints it (inspect's `Name` has a leading `/`). */
export function assertContainerName(name: string, context: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!CONTAINER_NAME.test(bare)) throw unsafe('container name', name, context);
  return bare;
}

export function assertNetworkName(name: string, context: string): string {
  if (!NETWORK_NAME.test(name)) throw unsafe('network name', name, context);
  return name;
}

export function assertVolumeName(name: string, context: string): string {
  if (!VOLUME_NAME.test(name)) throw unsafe('volume name', name, context);
  return name;
}

export function assertDigest(digest: string, context: string): string {
  if (!DIGEST.test(digest)) throw unsafe('sha256 digest', digest, context);
  return digest;
}

/** Parses `[domain/]path[:tag][@sha256:…]`; anything else (a bare image id, shell characters) is refused. */
export function parseImageRef(ref: string, context: string): ImageRef {
  if (ref.length > 512) throw unsafe('image reference', ref, context);
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = assertDigest(rest.slice(at + 1), context);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw unsafe('image reference', ref, context);
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) throw unsafe('image reference', ref, context);
  const path = hasDomain ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((p) => PATH_COMPONENT.test(p))) throw unsafe('image reference', ref, context);
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The registry host docker talks to for a repository (Docker Hub for a name without a domain). */
export function registryOf(repository: string): string {
  const first = repository.split('/')[0] ?? '';
  const hasDomain = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasDomain ? first : 'docker.io';
}

/** Docker Hub images are stored as `docker.io/library/x` in some places and `x` in others. */
export function sameRepository(a: string, b: string): boolean {
  const norm = (r: string) => {
    let s = r.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
    if (!s.includes('/')) s = `library/${s}`;
    return s;
  };
  return norm(a) === norm(b);
}

export const formatRef = (r: ImageRef): string => `${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
