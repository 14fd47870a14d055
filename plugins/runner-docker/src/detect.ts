import type { DetectResult, RunnerContext } from '@unrot/sdk';
import { versionArgv } from './docker-argv.js';
import { isObject } from './json-read.js';

const VERSION = /^[0-9A-Za-z.+~-]{1,64}$/;

/**
 * `docker version --format '{{json .}}'`: exit 127 = no docker CLI; exit 1 with the Client part
 * only = the CLI cannot reach an engine (not running, or no permission on the socket).
 * Podman's docker-compatible CLI answers the same command.
 */
export async function detectDocker(ctx: RunnerContext<unknown>): Promise<DetectResult> {
  const r = await ctx.exec.read(versionArgv(), { okExitCodes: [0, 1, 126, 127] });
  if (r.exitCode === 127) return { applicable: false, reason: 'docker not found in the container' };
  if (r.exitCode === 126) return { applicable: false, reason: 'docker is not executable in the container' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n')[0] ?? '');
  } catch {
    parsed = undefined;
  }
  const server = isObject(parsed) && isObject(parsed.Server) ? parsed.Server : undefined;
  if (r.exitCode !== 0 || !server) {
    const why = r.stderr.trim().split('\n').pop()?.slice(0, 300) ?? '';
    return { applicable: false, reason: `the docker CLI cannot reach an engine${why ? `: ${why}` : ''}` };
  }
  const version = typeof server.Version === 'string' && VERSION.test(server.Version) ? server.Version : 'unknown version';
  const api = typeof server.ApiVersion === 'string' && VERSION.test(server.ApiVersion) ? `, API ${server.ApiVersion}` : '';
  const podman = JSON.stringify(server.Components ?? '').includes('Podman');
  return { applicable: true, reason: `${podman ? 'Podman' : 'Docker Engine'} ${version}${api}` };
}
