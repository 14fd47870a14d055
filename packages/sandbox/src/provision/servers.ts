import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';

/**
 * Every server `up` may start (rpm and pacman only with the `os` group, composer, gem, goproxy and
 * flatpak only with `lang`); `down` stops each one it finds.
 */
export const SERVER_NAMES = ['apt', 'pypi', 'rpm', 'pacman', 'composer', 'gem', 'goproxy', 'flatpak'] as const;

export interface ServerInfo {
  name: string;
  pid: number;
  port: number;
  dir: string;
}

export interface ServerStatus extends ServerInfo {
  running: boolean;
}

function pidFile(runDir: string, name: string): string {
  return join(runDir, `${name}.json`);
}

/** True when `pid` is alive and is still our `http.server` on `port` (pids get reused). */
async function isOurs(info: ServerInfo): Promise<boolean> {
  try {
    const cmdline = (await readFile(`/proc/${info.pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.includes('http.server') && cmdline.includes(String(info.port));
  } catch {
    return false;
  }
}

export async function readServer(runDir: string, name: string): Promise<ServerInfo | undefined> {
  try {
    return JSON.parse(await readFile(pidFile(runDir, name), 'utf8')) as ServerInfo;
  } catch {
    return undefined;
  }
}

export async function serverStatus(runDir: string, name: string): Promise<ServerStatus | undefined> {
  const info = await readServer(runDir, name);
  return info ? { ...info, running: await isOurs(info) } : undefined;
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/**
 * Serves `dir` read-only on 127.0.0.1:`port` with python3's http.server, detached from this
 * process (it outlives `up`); its pid is recorded in `runDir` so `down` can stop exactly it.
 */
export async function ensureServer(runDir: string, logDir: string, name: string, dir: string, port: number): Promise<ServerInfo> {
  const existing = await readServer(runDir, name);
  if (existing && existing.port === port && existing.dir === dir && (await isOurs(existing))) return existing;
  if (existing) await stopServer(runDir, name);
  await mkdir(runDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  const logFd = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', dir, String(port)], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    cwd: dir,
  });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new UnrotError('E_EXEC_SPAWN', `could not start the ${name} server`);
  const info: ServerInfo = { name, pid: child.pid, port, dir };
  await writeFile(pidFile(runDir, name), `${JSON.stringify(info)}\n`);
  if (!(await waitForPort(port, 10_000)) || !(await isOurs(info))) {
    await stopServer(runDir, name);
    throw new UnrotError(
      'E_EXEC_FAILED',
      `the ${name} server did not come up on 127.0.0.1:${port} (port in use? see ${join(logDir, `${name}.log`)})`,
      {
        port,
      },
    );
  }
  return info;
}

export async function stopServer(runDir: string, name: string): Promise<boolean> {
  const info = await readServer(runDir, name);
  if (!info) return false;
  let stopped = false;
  if (await isOurs(info)) {
    process.kill(info.pid, 'SIGTERM');
    for (let i = 0; i < 50 && (await isOurs(info)); i++) await new Promise((r) => setTimeout(r, 100));
    if (await isOurs(info)) process.kill(info.pid, 'SIGKILL');
    stopped = true;
  }
  if (existsSync(pidFile(runDir, name))) await rm(pidFile(runDir, name), { force: true });
  return stopped;
}
