import { hostname } from 'node:os';
import type { ApiHostSpec } from './api/api-host-spec.js';
import { PctHost } from './pct-host.js';

/**
 * Which host a container pipeline talks to, as plain data: it is sent to the worker threads
 * (structured clone), which build their Host from it.
 * - `pct`: the Proxmox CLIs on this machine. `env` holds the only variables of unrot's own
 *   environment the host tools get (see hostToolEnvAllowlist); `path` overrides PATH.
 * - `main-thread`: the Host object the run was given (RunOptions.host, e.g. an in-memory host
 *   in tests); a worker forwards every call to it over the task's MessagePort.
 * - `api`: the Proxmox VE API with a token (api/api-host-spec.ts); exec stays local.
 */
export type HostSpec = PctHostSpec | ApiHostSpec | { kind: 'main-thread' };

export interface PctHostSpec {
  kind: 'pct';
  node: string;
  path?: string;
  env?: Record<string, string>;
}

/**
 * Names the operator allows through to the host tools, from UNROT_HOST_TOOL_ENV: a comma-separated
 * list of variable names, where a trailing `*` matches a prefix (`UNROT_SANDBOX_*`). Unset: none.
 * The sandbox's pct/pvesh stand-ins find their state through UNROT_SANDBOX_* variables; a real
 * host never needs any, so nothing of unrot's environment reaches `pct` unless asked for.
 */
export const HOST_TOOL_ENV_VARIABLE = 'UNROT_HOST_TOOL_ENV';

/** The variables of `env` that UNROT_HOST_TOOL_ENV (in the same env) lets through. */
export function hostToolEnvAllowlist(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const patterns = (env[HOST_TOOL_ENV_VARIABLE] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0 && p !== '*');
  const passed: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key === HOST_TOOL_ENV_VARIABLE) continue;
    if (patterns.some((p) => (p.endsWith('*') ? key.startsWith(p.slice(0, -1)) : key === p))) passed[key] = value;
  }
  return passed;
}

/** The spec of the real Proxmox host this process runs on: its node and the allowed environment. */
export function pctHostSpec(node: string = hostname().split('.')[0] ?? 'localhost', env: NodeJS.ProcessEnv = process.env): PctHostSpec {
  const passed = hostToolEnvAllowlist(env);
  return { kind: 'pct', node, ...(Object.keys(passed).length > 0 ? { env: passed } : {}) };
}

/** Builds a `pct` host from its spec (a `main-thread` spec is served by the pool, see serveHost). */
export function pctHostFrom(spec: PctHostSpec): PctHost {
  return new PctHost({ node: spec.node, ...(spec.path ? { path: spec.path } : {}), ...(spec.env ? { env: spec.env } : {}) });
}
