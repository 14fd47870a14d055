import { createHash } from 'node:crypto';
import type { SshSettings } from '../cluster/ssh-exec.js';
import { PveApiClient } from './api-client.js';
import { ApiHost } from './api-host.js';
import type { ApiTls } from './api-tls.js';
import { type ExecVia, LocalExec } from './local-exec.js';

/**
 * The API host as plain data for the worker threads (structured clone, never logged or put in
 * a report): the token secret travels only inside this object, and the CA is its PEM text, read
 * once on the main thread. Each thread keeps one client (one keep-alive pool) per API + token.
 */
export interface ApiHostSpec {
  kind: 'api';
  node: string;
  url: string;
  token: { id: string; secret: string };
  tls: ApiTls;
  exec: ExecVia;
  sudo: boolean;
  /** PATH/env for the exec tools, as in the pct spec. */
  path?: string;
  env?: Record<string, string>;
  requestTimeoutMs?: number;
  /** `host.cluster`, defaults filled in: every node's containers, exec over ssh on the other nodes. */
  cluster?: { ssh: SshSettings; addresses?: Record<string, string> };
}

const clients = new Map<string, PveApiClient>();

/** One client per API, token and trust rule in this thread (the key holds a hash of the secret, not the secret). */
export function apiClientFor(spec: ApiHostSpec): PveApiClient {
  const key = createHash('sha256')
    .update(JSON.stringify([spec.url, spec.token.id, spec.token.secret, spec.tls, spec.requestTimeoutMs ?? null]))
    .digest('hex');
  let client = clients.get(key);
  if (!client) {
    client = new PveApiClient({
      url: spec.url,
      token: spec.token,
      tls: spec.tls,
      ...(spec.requestTimeoutMs !== undefined ? { requestTimeoutMs: spec.requestTimeoutMs } : {}),
    });
    clients.set(key, client);
  }
  return client;
}

/** Builds the API host from its spec (worker threads and the main thread alike). */
export function apiHostFrom(spec: ApiHostSpec): ApiHost {
  const exec = new LocalExec({
    node: spec.node,
    via: spec.exec,
    sudo: spec.sudo,
    ...(spec.path ? { path: spec.path } : {}),
    ...(spec.env ? { env: spec.env } : {}),
  });
  const cluster = spec.cluster
    ? {
        ...spec.cluster,
        ...(spec.path ? { path: spec.path } : {}),
        ...(spec.env ? { env: spec.env } : {}),
      }
    : undefined;
  return new ApiHost({ node: spec.node, client: apiClientFor(spec), exec, ...(cluster ? { cluster } : {}) });
}
