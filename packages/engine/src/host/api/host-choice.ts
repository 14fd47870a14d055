import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../config/config-error.js';
import { effectiveGlobal } from '../../config/effective-policy.js';
import type { LoadedConfig } from '../../config/load-config.js';
import { type ClusterAccess, DEFAULT_API_URL } from '../../policy/host-schema.js';
import { loadSecrets, type SecretStore } from '../../secrets/load-secrets.js';
import { registerProcessSecrets } from '../../secrets/process-redactor.js';
import { DEFAULT_SSH } from '../cluster/ssh-exec.js';
import type { Host } from '../host.js';
import { type HostSpec, hostToolEnvAllowlist, pctHostFrom, pctHostSpec } from '../host-spec.js';
import type { ApiHost } from './api-host.js';
import type { ApiHostSpec } from './api-host-spec.js';

/** Proxmox's cluster CA on every node; readable by root and the www-data group. */
export const PVE_ROOT_CA = '/etc/pve/pve-root-ca.pem';

export interface HostChoiceOptions {
  /** Secrets already loaded (prepare's); otherwise secrets_files are read here when a token is configured. */
  secrets?: SecretStore;
  env?: NodeJS.ProcessEnv;
  /** Where to look for the default CA (tests). */
  defaultCaFile?: string;
}

/**
 * The host spec global.yml asks for (`host:`): `cli` → the pct tools; `api` → the REST API with
 * the token from secrets_files; `auto` (default) → the API when `host.token` is set, else the
 * CLI. Every problem is an E_CONFIG naming the key in global.yml; the token value never appears.
 */
export async function configuredHostSpec(
  config: LoadedConfig,
  options: HostChoiceOptions = {},
): Promise<Exclude<HostSpec, { kind: 'main-thread' }>> {
  const env = options.env ?? process.env;
  const node = effectiveGlobal(config).node;
  const host = config.global.host ?? {};
  const mode = host.api ?? 'auto';
  const file = config.globalFile ?? join(config.dir, 'global.yml');
  if (mode === 'cli' || (mode === 'auto' && host.token === undefined)) {
    if (host.cluster !== undefined) {
      const pos = config.locate(file, ['host', 'cluster']);
      throw new ConfigError([
        {
          file,
          ...(pos ? { line: pos.line, column: pos.column } : {}),
          path: 'host.cluster',
          message: 'a cluster run needs the API host (the CLI tools see only this node)',
          expected: 'api: api with token_id and token',
        },
      ]);
    }
    return pctHostSpec(node, env);
  }
  const problems: ConfigProblem[] = [];
  const problem = (path: Array<string | number>, message: string, expected?: string) => {
    const pos = config.locate(file, path);
    problems.push({
      file,
      ...(pos ? { line: pos.line, column: pos.column } : {}),
      path: path.join('.'),
      message,
      ...(expected ? { expected } : {}),
    });
  };
  if (host.token === undefined) problem(['host'], 'api: api needs a token', 'token_id: user@realm!tokenid and token: { secret: NAME }');
  if (host.token !== undefined && host.token_id === undefined)
    problem(['host'], 'token is set but token_id is not', 'token_id: user@realm!tokenid');
  if (host.fingerprint !== undefined && host.ca_file !== undefined)
    problem(['host', 'fingerprint'], 'set either fingerprint or ca_file, not both');
  if (host.verify_tls === false && (host.fingerprint !== undefined || host.ca_file !== undefined))
    problem(['host', 'verify_tls'], 'verify_tls: false contradicts fingerprint/ca_file');
  let secret: string | undefined;
  if (host.token !== undefined) {
    const store = options.secrets ?? (await loadSecrets(config.global.secrets_files ?? []));
    secret = store.get(host.token.secret)?.value;
    if (secret === undefined) {
      const known = store.names();
      problem(
        ['host', 'token'],
        `unknown secret '${host.token.secret}'`,
        known.length > 0 ? `one of ${known.join(', ')} (from secrets_files)` : 'a name defined in secrets_files (none are configured)',
      );
    } else registerProcessSecrets([secret]);
  }
  let ca: string | undefined;
  if (host.ca_file !== undefined) {
    try {
      ca = await readFile(host.ca_file, 'utf8');
    } catch (error) {
      problem(['host', 'ca_file'], `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else if (host.fingerprint === undefined && host.verify_tls !== false) {
    const fallback = options.defaultCaFile ?? PVE_ROOT_CA;
    if (
      await access(fallback, constants.R_OK).then(
        () => true,
        () => false,
      )
    )
      ca = await readFile(fallback, 'utf8').catch(() => undefined);
  }
  if (problems.length > 0 || secret === undefined || host.token_id === undefined) throw new ConfigError(problems);
  const allowed = hostToolEnvAllowlist(env);
  const spec: ApiHostSpec = {
    kind: 'api',
    node,
    url: (host.url ?? DEFAULT_API_URL).replace(/\/$/, ''),
    token: { id: host.token_id, secret },
    tls: {
      verify: host.verify_tls ?? true,
      ...(ca !== undefined ? { ca } : {}),
      ...(host.fingerprint !== undefined ? { fingerprint: host.fingerprint } : {}),
    },
    exec: host.exec ?? 'pct',
    sudo: host.sudo ?? false,
    ...(Object.keys(allowed).length > 0 ? { env: allowed } : {}),
    ...(host.timeout_s !== undefined ? { requestTimeoutMs: host.timeout_s * 1000 } : {}),
    ...(host.cluster !== undefined ? { cluster: clusterSpec(host.cluster) } : {}),
  };
  return spec;
}

/** `host.cluster` with ssh's defaults filled in (the lock settings are the run's, see cluster-lock.ts). */
function clusterSpec(cluster: ClusterAccess): NonNullable<ApiHostSpec['cluster']> {
  const ssh = cluster.ssh ?? {};
  return {
    ssh: {
      user: ssh.user ?? DEFAULT_SSH.user,
      knownHosts: ssh.known_hosts ?? DEFAULT_SSH.knownHosts,
      port: ssh.port ?? DEFAULT_SSH.port,
      connectTimeoutS: ssh.connect_timeout_s ?? DEFAULT_SSH.connectTimeoutS,
      ...(ssh.identity_file !== undefined ? { identityFile: ssh.identity_file } : {}),
    },
    ...(cluster.addresses !== undefined ? { addresses: { ...cluster.addresses } } : {}),
  };
}

/**
 * The API host for a spec. The API modules (undici, ~0.1–0.6 s to load) are imported only here,
 * so a pct run, a worker thread of one and the CLI never pay for them.
 */
export async function createApiHost(spec: ApiHostSpec): Promise<ApiHost> {
  return (await import('./api-host-spec.js')).apiHostFrom(spec);
}

/** The Host a (non-main-thread) spec stands for. */
export async function hostFromSpec(spec: Exclude<HostSpec, { kind: 'main-thread' }>): Promise<Host> {
  return spec.kind === 'api' ? createApiHost(spec) : pctHostFrom(spec);
}
