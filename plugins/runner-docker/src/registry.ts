import { type ExecResult, UnrotError } from '@unrot/sdk';
import { isObject, list, obj, optObj, optStr, parseJsonText, str } from './json-read.js';
import { assertDigest } from './names.js';

const SRC = 'docker manifest inspect';

/** What the registry serves for a tag, for one platform. */
export interface RemoteImage {
  /** Digest of the platform's manifest (what `docker pull repo@digest` pulls). */
  digest: string;
  /** Digest of its config blob = the image id docker gives it once pulled. */
  configId: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant: string;
}

function entryOf(e: unknown, i: number): { platform: Platform; remote: RemoteImage } {
  const o = obj(e, `entry ${i}`, SRC);
  const d = obj(o.Descriptor, `entry ${i} Descriptor`, SRC);
  const p = optObj(d.platform, `entry ${i} Descriptor.platform`, SRC) ?? {};
  // Docker schema2 manifests print as SchemaV2Manifest, OCI ones as OCIManifest (CLI 20.10+).
  const manifest = obj(o.SchemaV2Manifest ?? o.OCIManifest, `entry ${i} manifest`, SRC);
  const config = obj(manifest.config, `entry ${i} manifest config`, SRC);
  return {
    platform: {
      os: optStr(p.os, 'platform.os', SRC),
      architecture: optStr(p.architecture, 'platform.architecture', SRC),
      variant: optStr(p.variant, 'platform.variant', SRC),
    },
    remote: {
      digest: assertDigest(str(d.digest, 'Descriptor.digest', SRC), SRC),
      configId: assertDigest(str(config.digest, 'config.digest', SRC), SRC),
    },
  };
}

/**
 * `docker manifest inspect --verbose` prints one object for a single manifest and an array (one
 * per platform) for a manifest list; the local image's os/architecture/variant picks the entry.
 * Undefined when the list has no entry for the platform.
 */
export function parseManifestInspect(stdout: string, platform: Platform): RemoteImage | undefined {
  const parsed = parseJsonText(stdout, SRC);
  const entries = Array.isArray(parsed) ? list(parsed, 'list', SRC).map(entryOf) : [entryOf(parsed, 0)];
  if (!Array.isArray(parsed) && isObject(parsed)) return entries[0]?.remote;
  const match = entries.find(
    (e) =>
      e.platform.os === platform.os &&
      e.platform.architecture === platform.architecture &&
      (e.platform.variant === platform.variant || (!e.platform.variant && !platform.variant)),
  );
  return match?.remote;
}

/** Why the digest check failed, from the CLI's message (measured on docker 20.10, fixtures/README.md). */
export type RegistryFailure = 'unreachable' | 'unauthorized' | 'not-found' | 'other';

export function classifyRegistryError(stderr: string): RegistryFailure {
  if (/no basic auth credentials|unauthorized|authentication required|denied: requested access|401 Unauthorized/i.test(stderr))
    return 'unauthorized';
  if (
    /connection refused|no such host|i\/o timeout|network is unreachable|TLS handshake|dial tcp|server gave HTTP response|proxyconnect|Client\.Timeout/i.test(
      stderr,
    )
  )
    return 'unreachable';
  if (/no such manifest|manifest unknown|not found/i.test(stderr)) return 'not-found';
  return 'other';
}

const tail = (text: string) => text.trim().split('\n').slice(-3).join(' | ').slice(0, 500);

const EXPLAIN: Record<RegistryFailure, string> = {
  unreachable: 'registry unreachable',
  unauthorized: 'registry refused the request (401: no or wrong credentials in the Docker config of the container)',
  // docker manifest inspect also says "no such manifest" for wrong credentials and for a plain-HTTP
  // registry it was not told is insecure (measured on 20.10): the message says so.
  'not-found':
    'image or tag not found in the registry (docker manifest inspect also answers this for wrong credentials, and for a plain-HTTP registry missing from insecure_registries)',
  other: 'registry query failed',
};

/** The coded error for a failed digest check; stderr (the tool's own tail) is kept, credentials never reach argv. */
export function registryError(ref: string, r: ExecResult): UnrotError {
  const reason = classifyRegistryError(r.stderr || r.stdout);
  return new UnrotError('E_EXEC_FAILED', `${ref}: ${EXPLAIN[reason]}: ${tail(r.stderr || r.stdout)}`, {
    image: ref,
    reason,
    argv: r.argv,
    exitCode: r.exitCode,
    stderr: r.stderr.slice(-2000),
  });
}
