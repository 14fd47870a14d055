import { readFile, rename, writeFile } from 'node:fs/promises';

/** R/sandbox.json: what `up` made, read by `status` and `down`. */
export interface SandboxState {
  version: 1;
  root: string;
  node: string;
  templateDir: string;
  cacheDir: string;
  servers: { apt: { port: number; dir: string }; pypi: { port: number; dir: string } };
  containers: Array<{
    vmid: number;
    hostname: string;
    tags: string[];
    unprivileged: boolean;
    storage: string;
    init: 'systemd' | 'launcher';
    health: string;
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
