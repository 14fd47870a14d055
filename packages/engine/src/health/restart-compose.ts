import { type Exec, toUnrotError, UnrotError } from '@unrot/sdk';
import type { Clock } from './clock.js';
import { type ComposeContainer, parseComposePs, serviceStates } from './compose-ps.js';
import type { TaskRestartCompose } from './restart-policy.js';
import { pause, seconds } from './restart-wait.js';

/** `ps` is a docker API call per look, heavier than pgrep: look once a second. */
const COMPOSE_POLL_MS = 1_000;

/** `docker compose` (the v2 CLI plugin) pointed at one project, never at the caller's working directory. */
export const composeBaseArgv = (c: Pick<TaskRestartCompose, 'projectDir' | 'files'>): string[] => [
  'docker',
  'compose',
  '--project-directory',
  c.projectDir,
  ...c.files.flatMap((f) => ['--file', f]),
];

/**
 * The changing commands, in order. `recreate` (the default) is what an admin runs after an
 * update: `up --detach --force-recreate` makes new containers from the current compose file,
 * env files and local images, so a pulled image, a changed env file or bind-mounted code that
 * was updated is what runs afterwards; named and anonymous volumes are kept. `--force-recreate`
 * because plain `up -d` leaves containers alone whose configuration hash did not change (an
 * update of bind-mounted code or dependencies), and `--remove-orphans` is left out on purpose:
 * deleting containers is not a restart. `restart` restarts the same containers with the same
 * image and configuration, for stacks that must keep their containers.
 */
export function composeCommands(c: TaskRestartCompose): string[][] {
  const base = composeBaseArgv(c);
  return [
    ...(c.pull ? [[...base, 'pull', ...c.services]] : []),
    c.action === 'recreate' ? [...base, 'up', '--detach', '--force-recreate', ...c.services] : [...base, 'restart', ...c.services],
  ];
}

/** Read-only: every container of the services, stopped ones too, so a crash is seen at once. */
export const composePsArgv = (c: TaskRestartCompose): string[] => [...composeBaseArgv(c), 'ps', '--all', '--format', 'json', ...c.services];
export const composeServicesArgv = (c: TaskRestartCompose): string[] => [...composeBaseArgv(c), 'config', '--services'];

export interface ComposeRestartResult {
  projectDir: string;
  state: 'running' | 'failed';
  containers: ComposeContainer[];
  durationMs: number;
  detail?: string;
}

/**
 * Runs composeCommands, then `docker compose ps --all --format json` until every service has
 * containers that run (and are healthy, when they have a healthcheck; an exit 0 counts as a
 * finished one-shot job). A container that exited non-zero or is dead fails at once; anything
 * else not up after wait_s fails with E_RESTART_FAILED naming each service's state.
 */
export async function restartCompose(
  c: TaskRestartCompose,
  exec: Exec,
  signal: AbortSignal,
  clock: Clock,
  onResult: (result: ComposeRestartResult) => void,
): Promise<void> {
  const t0 = clock.now();
  const result: ComposeRestartResult = { projectDir: c.projectDir, state: 'failed', containers: [], durationMs: 0 };
  const fail = (message: string): never => {
    result.detail = message;
    throw new UnrotError('E_RESTART_FAILED', `compose project ${c.projectDir}: ${message}`, { projectDir: c.projectDir });
  };
  try {
    const services =
      c.services.length > 0
        ? c.services
        : (await exec.read(composeServicesArgv(c), { timeoutMs: 60_000 })).stdout
            .split('\n')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    for (const argv of composeCommands(c)) await exec.change(argv);
    const deadline = clock.now() + c.waitMs;
    for (;;) {
      result.containers = parseComposePs((await exec.read(composePsArgv(c), { timeoutMs: 60_000 })).stdout);
      const states = serviceStates(services, result.containers);
      const failed = states.filter((s) => s.failed);
      if (failed.length > 0) fail(`${failed.map((s) => `${s.service}: ${s.detail}`).join('; ')}`);
      const waiting = states.filter((s) => !s.ready);
      if (waiting.length === 0) break;
      if (clock.now() >= deadline)
        fail(`not up ${seconds(c.waitMs)} s after ${c.action}: ${waiting.map((s) => `${s.service}: ${s.detail}`).join('; ')}`);
      await pause(clock, COMPOSE_POLL_MS, signal, `compose project ${c.projectDir}`);
    }
    result.state = 'running';
  } catch (error) {
    result.detail ??= toUnrotError(error).message;
    throw error;
  } finally {
    result.durationMs = clock.now() - t0;
    onResult(result);
  }
}
