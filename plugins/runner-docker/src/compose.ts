import { type RunnerContext, UnrotError } from '@unrot/sdk';
import { DOCKER } from './docker-argv.js';
import type { RunningContainer } from './state.js';

// Compose v2 is a docker CLI plugin (`docker compose`), v1 a separate Python binary
// (`docker-compose`, Debian 12's 1.29). Both take --project-directory, -p and -f, pull and up -d.

export type ComposeFlavour = 'v2' | 'v1';

const PATH = /^\/[A-Za-z0-9._+@/ -]*$/;
const PROJECT = /^[a-z0-9][a-z0-9_-]*$/;

/** The project's identity from the labels compose put on its containers (validated: they become argv). */
export interface ComposeProject {
  dir: string;
  name: string;
  files: string[];
}

export function projectOf(c: RunningContainer, dir: string): ComposeProject {
  const name = c.labels['com.docker.compose.project'] ?? '';
  // compose v1 labels config files relative to the project directory, v2 absolute.
  const files = (c.labels['com.docker.compose.project.config_files'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((f) => (f.startsWith('/') ? f : `${dir.replace(/\/$/, '')}/${f}`));
  if (!PROJECT.test(name))
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `container ${c.name}: not a compose project name: ${JSON.stringify(name.slice(0, 80))}`);
  for (const f of [dir, ...files])
    if (!PATH.test(f) || f.includes('/../'))
      throw new UnrotError('E_RUNNER_UNSAFE_NAME', `container ${c.name}: not a safe compose path: ${JSON.stringify(f.slice(0, 200))}`);
  return { dir, name, files };
}

export async function composeFlavour(ctx: RunnerContext<unknown>): Promise<ComposeFlavour> {
  const v2 = await ctx.exec.read([DOCKER, 'compose', 'version', '--short'], { okExitCodes: [0, 1, 125, 127] });
  if (v2.exitCode === 0 && /^v?2\./.test(v2.stdout.trim())) return 'v2';
  const v1 = await ctx.exec.read(['docker-compose', 'version', '--short'], { okExitCodes: [0, 1, 127] });
  if (v1.exitCode === 0) return 'v1';
  throw new UnrotError('E_EXEC_NOT_FOUND', 'neither the docker compose plugin (v2) nor docker-compose (v1) is installed in the container', {
    stderr: `${v2.stderr}\n${v1.stderr}`.slice(-1000),
  });
}

function base(flavour: ComposeFlavour, p: ComposeProject): string[] {
  const bin = flavour === 'v2' ? [DOCKER, 'compose'] : ['docker-compose'];
  return [...bin, `--project-directory=${p.dir}`, `--project-name=${p.name}`, ...p.files.map((f) => `--file=${f}`)];
}

export const composePullArgv = (f: ComposeFlavour, p: ComposeProject): string[] => [...base(f, p), 'pull', '--quiet'];
export const composeUpArgv = (f: ComposeFlavour, p: ComposeProject): string[] => [...base(f, p), 'up', '--detach'];
