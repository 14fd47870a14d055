import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunToolOptions } from '../../src/host/run-tool.js';
import { currentSpawner, runToolInSpawner } from '../../src/host/spawner/spawner-client.js';
import { alive } from './process-checks.js';

// The spawner is a real Node process running the built spawner-main.js (dist/), and every tool
// here is a real process: nothing of child_process is mocked.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unrot-spawner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/root', LANG: 'C', LC_ALL: 'C' };
const options = (more: Partial<RunToolOptions> = {}): RunToolOptions => ({
  env,
  timeoutMs: 30_000,
  maxOutputBytes: 1024 * 1024,
  killGraceMs: 300,
  drainMs: 200,
  ...more,
});

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

/** sh that starts `sleep 30` in its own process group's background, writes its pid, and waits. */
function sleeperArgv(pidFile: string, trapTerm = false): string[] {
  return ['/bin/sh', '-c', `${trapTerm ? "trap '' TERM; " : ''}sleep 30 & echo $! > "$1"; wait $!; wait $!`, 'sh', pidFile];
}

describe('runToolInSpawner: host tools forked by the spawner process', () => {
  it('passes hostile argv elements verbatim, one argument each', async () => {
    const hostile = [
      'a b',
      '$(touch pwned)',
      '`id`',
      '\'"',
      'line1\nline2',
      '"}\n{"id":1,"abort":true}',
      '--',
      '-n',
      '',
      'ünïcødé ✓',
      '\\',
    ];
    const result = await runToolInSpawner(['/usr/bin/printf', '%s\\0', ...hostile], options());
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(hostile);
    expect(existsSync('/pwned')).toBe(false);
  });

  it('returns stdout, stderr and the exit code, feeds input on stdin, and gives exactly the environment it was given', async () => {
    const result = await runToolInSpawner(['/bin/sh', '-c', 'cat; echo oops >&2; exit 7'], options({ input: 'hello\n' }));
    expect(result).toMatchObject({ exitCode: 7, stdout: 'hello\n', stderr: 'oops\n', truncated: false });
    const envOut = await runToolInSpawner(['/usr/bin/env'], options({ env: { ...env, ONLY_THIS: 'x' } }));
    expect(envOut.stdout.trim().split('\n').sort()).toEqual(['HOME=/root', 'LANG=C', 'LC_ALL=C', 'ONLY_THIS=x', `PATH=${env.PATH}`]);
    const cwd = await runToolInSpawner(['/bin/pwd'], options());
    expect(cwd.stdout).toBe('/\n');
  });

  it('reports a signal death as 128 + the signal number', async () => {
    const result = await runToolInSpawner(['/bin/sh', '-c', 'kill -9 $$'], options());
    expect(result.exitCode).toBe(137);
  });

  it('caps huge output at maxOutputBytes and says so, while the tool runs to its end', async () => {
    const result = await runToolInSpawner(['/usr/bin/head', '-c', '20000000', '/dev/zero'], options({ maxOutputBytes: 64 * 1024 }));
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(64 * 1024);
    expect(result.truncated).toBe(true);
  });

  it('on timeout kills the whole process group (SIGKILL after the grace for what ignores SIGTERM) and throws E_EXEC_TIMEOUT', async () => {
    const pidFile = join(dir, 'sleep.pid');
    await expect(runToolInSpawner(sleeperArgv(pidFile, true), options({ timeoutMs: 300 }))).rejects.toMatchObject({
      code: 'E_EXEC_TIMEOUT',
    });
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitFor(() => !alive(sleeper), 5000)).toBe(true);
  });

  it('on abort kills the group and throws E_EXEC_ABORTED; an already aborted signal starts nothing', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const controller = new AbortController();
    const call = runToolInSpawner(sleeperArgv(pidFile), options({ signal: controller.signal }));
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000)).toBe(true);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'E_EXEC_ABORTED' });
    expect(await waitFor(() => !alive(Number(readFileSync(pidFile, 'utf8'))), 5000)).toBe(true);

    const ran = join(dir, 'ran');
    await expect(runToolInSpawner(['/usr/bin/touch', ran], options({ signal: AbortSignal.abort() }))).rejects.toMatchObject({
      code: 'E_EXEC_ABORTED',
    });
    expect(existsSync(ran)).toBe(false);
  });

  it('throws E_EXEC_SPAWN with the reason for a tool that cannot start', async () => {
    await expect(runToolInSpawner(['no-such-tool-here'], options())).rejects.toMatchObject({
      code: 'E_EXEC_SPAWN',
      message: 'could not start no-such-tool-here: ENOENT',
    });
    await expect(runToolInSpawner([], options())).rejects.toMatchObject({ code: 'E_EXEC_SPAWN' });
  });

  it('runs calls side by side in one spawner', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runToolInSpawner(['/bin/sh', '-c', 'sleep 0.2; echo "$1"', 'sh', `n${i}`], options())),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `n${i}\n`));
  });

  it('runs the spawner in a process group of its own, so a Ctrl-C to unrot’s group does not reach it or the calls in flight', async () => {
    await runToolInSpawner(['/bin/true'], options());
    const pid = currentSpawner()?.pid ?? 0;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(pgrp).toBe(pid);
    expect(pgrp).not.toBe(process.pid);
  });

  it('when the spawner dies mid-call: the call fails with E_EXEC_SPAWN, its tool’s group is killed, and the next call starts a new spawner', async () => {
    await runToolInSpawner(['/bin/true'], options());
    const first = currentSpawner();
    expect(first?.pid).toBeGreaterThan(0);
    const pidFile = join(dir, 'sleep.pid');
    const call = runToolInSpawner(sleeperArgv(pidFile), options());
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000)).toBe(true);
    first?.kill('SIGKILL');
    await expect(call).rejects.toMatchObject({
      code: 'E_EXEC_SPAWN',
      message: expect.stringMatching(/spawner process exited \(SIGKILL\)/),
    });
    expect(await waitFor(() => !alive(Number(readFileSync(pidFile, 'utf8'))), 5000)).toBe(true);

    const after = await runToolInSpawner(['/bin/echo', 'back'], options());
    expect(after).toMatchObject({ exitCode: 0, stdout: 'back\n' });
    expect(currentSpawner()?.pid).not.toBe(first?.pid);
  });
});
