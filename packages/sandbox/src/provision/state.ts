import { readFile, rename, writeFile } from 'node:fs/promises';
import type { CtGroup } from './settings.js';

/** R/sandbox.json: what `up` made, read by `status` and `down`. */
export interface SandboxState {
  version: 1;
  root: string;
  node: string;
  templateDir: string;
  cacheDir: string;
  /** The container groups this sandbox has (absent in a state written before groups existed: apps only). */
  groups?: CtGroup[];
  servers: {
    apt: { port: number; dir: string };
    pypi: { port: number; dir: string };
    /** Only with the `os` group. */
    rpm?: { port: number; dir: string };
    pacman?: { port: number; dir: string };
    /** Only with the `lang` group. */
    composer?: { port: number; dir: string };
    gem?: { port: number; dir: string };
    goproxy?: { port: number; dir: string };
    flatpak?: { port: number; dir: string };
    /** Only with the `docker` group: docker-registry inside CT 105 (dir is inside the CT). */
    registry?: { port: number; dir: string };
  };
  containers: Array<{
    vmid: number;
    hostname: string;
    tags: string[];
    unprivileged: boolean;
    storage: string;
    init: 'systemd' | 'launcher';
    /** The app's /health URL; null for CT 103/104, which run no app. */
    health: string | null;
    /** false while provisioning; a CT left unprovisioned by an interrupted `up` is recreated. */
    provisioned: boolean;
  }>;
  configDir: string;
  updatedAt: string;
}

export async function readState(file: string): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

export async function writeState(file: string, state: SandboxState): Promise<void> {
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
