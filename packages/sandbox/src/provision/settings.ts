import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { type SandboxPaths, sandboxPaths } from '../pve/sandbox-root.js';

export const DEFAULT_CACHE_DIR = '/var/cache/unrot-sandbox';

/** Everything `up`/`down`/`status` need, from the environment (so a test sandbox never collides with the default one). */
export interface SandboxSettings {
  paths: SandboxPaths;
  cacheDir: string;
  aptPort: number;
  pypiPort: number;
  /** Ports of the demo apps' /health endpoints (CTs share the host's network namespace). */
  webPort: number;
  pyPort: number;
  /** R/sandbox.json */
  stateFile: string;
  /** R/run/servers: pid records of the HTTP servers. */
  serverRunDir: string;
  logDir: string;
  aptDir: string;
  pypiDir: string;
  configDir: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UnrotError('E_CONFIG', `${name} must be a TCP port (1-65535), got '${raw}'`);
  return n;
}

export function sandboxSettings(env: NodeJS.ProcessEnv = process.env): SandboxSettings {
  const paths = sandboxPaths(env);
  const r = paths.root;
  return {
    paths,
    cacheDir: env['UNROT_SANDBOX_CACHE'] || DEFAULT_CACHE_DIR,
    aptPort: port(env, 'UNROT_SANDBOX_APT_PORT', 8431),
    pypiPort: port(env, 'UNROT_SANDBOX_PYPI_PORT', 8432),
    webPort: port(env, 'UNROT_SANDBOX_WEB_PORT', 3101),
    pyPort: port(env, 'UNROT_SANDBOX_PY_PORT', 3102),
    stateFile: join(r, 'sandbox.json'),
    serverRunDir: join(r, 'run', 'servers'),
    logDir: join(r, 'log'),
    aptDir: join(r, 'srv', 'apt'),
    pypiDir: join(r, 'srv', 'pypi'),
    configDir: join(r, 'unrot-config'),
  };
}
