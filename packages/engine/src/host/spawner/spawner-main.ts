/**
 * The spawner: a small, long-lived Node process that runs host tools for the engine, so the
 * forks happen from a ~40 MB process instead of the ~200 MB engine (a fork's cost grows with
 * the parent's memory; bench/README.md, "Host-tool calls"). It runs every call through the same
 * runTool as the engine would in-process: process group, timeout and kill of the group, output
 * caps, stdin input, drain. Started by spawner-client.ts; exits once its stdin closes and the
 * calls in flight have ended.
 */
import { isUnrotError } from '@unrot/sdk';
import { runTool } from '../run-tool.js';
import type { SpawnerReply, SpawnerRequest } from './spawner-protocol.js';

const aborts = new Map<number, AbortController>();

function reply(message: SpawnerReply): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function run(request: Extract<SpawnerRequest, { argv: string[] }>): Promise<void> {
  const controller = new AbortController();
  aborts.set(request.id, controller);
  try {
    const { id, argv, env, timeoutMs, input, maxOutputBytes, killGraceMs, drainMs } = request;
    const result = await runTool(argv, {
      env,
      timeoutMs,
      input,
      maxOutputBytes,
      killGraceMs,
      drainMs,
      signal: controller.signal,
      onSpawn: (pid) => reply({ id, pid }),
    });
    reply({ id, result });
  } catch (error) {
    const coded = isUnrotError(error)
      ? { code: error.code, message: error.message, details: error.details }
      : { code: 'E_EXEC_SPAWN', message: `spawner: ${error instanceof Error ? error.message : String(error)}` };
    reply({ id: request.id, error: coded });
  } finally {
    aborts.delete(request.id);
  }
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let newline = buffered.indexOf('\n');
  while (newline >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    newline = buffered.indexOf('\n');
    const request = JSON.parse(line) as SpawnerRequest;
    if ('abort' in request) aborts.get(request.id)?.abort();
    else void run(request);
  }
});
// The engine went away: nothing more will come; the calls in flight finish (with their timeouts) and the process ends.
process.stdin.on('end', () => process.stdin.destroy());
