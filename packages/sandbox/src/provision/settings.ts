import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { type SandboxPaths, sandboxPaths } from '../pve/sandbox-root.js';

export const DEFAULT_CACHE_DIR = '/var/cache/unrot-sandbox';

/**
 * Groups of containers `up` can make: `apps` = CT 101/102 (the demo's apps, the default),
 * `os` = CT 103/104 (dnf and pacman over local repositories; opt-in, they cost a minute or two),
 * `docker` = CT 105 (Docker-in-LXC: dockerd, a registry, demo containers; opt-in, a few minutes),
 * `lang` = CT 106 (Composer, Bundler, go install and flatpak apps over local sources; opt-in).
 */
export const CT_GROUPS = ['apps', 'os', 'docker', 'lang'] as const;
export type CtGroup = (typeof CT_GROUPS)[number];

/** Everything `up`/`down`/`status` need, from the environment (so a test sandbox never collides with the default one). */
export interface SandboxSettings {
  paths: SandboxPaths;
  cacheDir: string;
  aptPort: number;
  pypiPort: number;
  /** Local RPM (dnf) and pacman repositories on 127.0.0.1, served only when the `os` group is up. */
  rpmPort: number;
  pacmanPort: number;
  /** A Composer repository, a gem source and a Go module proxy on 127.0.0.1, served only with the `lang` group. */
  composerPort: number;
  gemPort: number;
  goproxyPort: number;
  /** The flatpak (ostree) repository of the `lang` group on 127.0.0.1, served as http://127.0.0.1:PORT/repo. */
  flatpakPort: number;
  /** Container groups asked for (UNROT_SANDBOX_CTS, comma-separated; `up --with os` adds one). */
  groups: CtGroup[];
  /** Ports of the demo apps' /health endpoints (CTs share the host's network namespace). */
  webPort: number;
  pyPort: number;
  /** CT 105 (`docker` group): the registry inside it and the demo container's /health, both on 127.0.0.1. */
  registryPort: number;
  dockerAppPort: number;
  /** The Proxmox API front (HTTPS) on 127.0.0.1. */
  apiPort: number;
  /** R/sandbox.json */
  stateFile: string;
  /** R/run/servers: pid records of the HTTP servers. */
  serverRunDir: string;
  logDir: string;
  aptDir: string;
  pypiDir: string;
  rpmDir: string;
  pacmanDir: string;
  composerDir: string;
  gemDir: string;
  goproxyDir: string;
  flatpakDir: string;
  configDir: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UnrotError('E_CONFIG', `${name} must be a TCP port (1-65535), got '${raw}'`);
  return n;
}

export function ctGroups(raw: string | undefined): CtGroup[] {
  if (raw === undefined || raw.trim() === '') return ['apps'];
  const names = raw.split(',').map((g) => g.trim());
  const bad = names.filter((g) => !(CT_GROUPS as readonly string[]).includes(g));
  if (bad.length > 0 || names.length === 0) {
    throw new UnrotError('E_CONFIG', `UNROT_SANDBOX_CTS must list groups out of ${CT_GROUPS.join(', ')}, got '${raw}'`);
  }
  return CT_GROUPS.filter((g) => names.includes(g));
}

export function sandboxSettings(env: NodeJS.ProcessEnv = process.env): SandboxSettings {
  const paths = sandboxPaths(env);
  const r = paths.root;
  return {
    paths,
    cacheDir: env['UNROT_SANDBOX_CACHE'] || DEFAULT_CACHE_DIR,
    aptPort: port(env, 'UNROT_SANDBOX_APT_PORT', 8431),
    pypiPort: port(env, 'UNROT_SANDBOX_PYPI_PORT', 8432),
    rpmPort: port(env, 'UNROT_SANDBOX_RPM_PORT', 8433),
    pacmanPort: port(env, 'UNROT_SANDBOX_PACMAN_PORT', 8434),
    composerPort: port(env, 'UNROT_SANDBOX_COMPOSER_PORT', 8437),
    gemPort: port(env, 'UNROT_SANDBOX_GEM_PORT', 8438),
    goproxyPort: port(env, 'UNROT_SANDBOX_GOPROXY_PORT', 8439),
    flatpakPort: port(env, 'UNROT_SANDBOX_FLATPAK_PORT', 8440),
    groups: ctGroups(env['UNROT_SANDBOX_CTS']),
    webPort: port(env, 'UNROT_SANDBOX_WEB_PORT', 3101),
    pyPort: port(env, 'UNROT_SANDBOX_PY_PORT', 3102),
    apiPort: port(env, 'UNROT_SANDBOX_API_PORT', 8006),
    registryPort: port(env, 'UNROT_SANDBOX_REGISTRY_PORT', 8435),
    dockerAppPort: port(env, 'UNROT_SANDBOX_DOCKER_APP_PORT', 3103),
    stateFile: join(r, 'sandbox.json'),
    serverRunDir: join(r, 'run', 'servers'),
    logDir: join(r, 'log'),
    aptDir: join(r, 'srv', 'apt'),
    pypiDir: join(r, 'srv', 'pypi'),
    rpmDir: join(r, 'srv', 'rpm'),
    pacmanDir: join(r, 'srv', 'pacman'),
    composerDir: join(r, 'srv', 'composer'),
    gemDir: join(r, 'srv', 'gem'),
    goproxyDir: join(r, 'srv', 'goproxy'),
    flatpakDir: join(r, 'srv', 'flatpak'),
    configDir: join(r, 'unrot-config'),
  };
}
