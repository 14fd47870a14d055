// Real network situations on this machine's loopback for the reachability tests: a listening
// port, a closed one, one that never answers, and tool directories that stand in for containers
// with fewer tools (PATH without bash, busybox as nc, Debian's OpenBSD netcat).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Listener {
  port: number;
  close(): Promise<void>;
}

export async function listen(host: string): Promise<Listener> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no address');
  return { port: address.port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: the kernel answers a connect with RST (connection refused). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const l = await listen(host);
  await l.close();
  return l.port;
}

/**
 * A port that never answers: a listener with backlog 0 that never accepts, its one queue slot
 * taken, so Linux drops further SYNs and a connect hangs until the caller's timeout. Node
 * accepts every connection by itself, so the listener is a python3 process.
 */
export async function silentPort(): Promise<Listener> {
  const child: ChildProcess = spawn(
    '/usr/bin/python3',
    [
      '-c',
      "import socket,sys,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  // Fill the accept queue; the extra connections wait in SYN-SENT, as the probe will.
  const fillers: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = createConnection({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 300));
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      child.kill();
    },
  };
}

/** A directory of symlinks named like commands: the PATH of a container that has only these tools. */
export function toolDir(tools: Record<string, string>): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-preflight-tools-'));
  for (const [name, target] of Object.entries(tools)) symlinkSync(target, join(dir, name));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file as string, args, { env }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${argv.join(' ')}: ${stderr}`)) : resolve(),
    );
  });
}

const NETCAT_CACHE = '/var/tmp/unrot-preflight/netcat-openbsd';

/**
 * Debian 12's real OpenBSD netcat without installing it: `apt-get download` fetches the .deb,
 * `dpkg -x` unpacks it into a cache dir (as runner-pip's tests do with pipx). Returns its nc.
 */
export async function provisionOpenbsdNetcat(): Promise<string> {
  const nc = join(NETCAT_CACHE, 'root', 'bin', 'nc.openbsd');
  if (existsSync(nc)) return nc;
  mkdirSync(NETCAT_CACHE, { recursive: true });
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
  const download = ['/usr/bin/env', '-C', NETCAT_CACHE, 'apt-get', 'download', 'netcat-openbsd'];
  // A fresh machine may have no package lists yet: refresh them once (lists only, no package changes).
  await run(download, env).catch(async () => {
    await run(['apt-get', 'update', '-q'], env);
    await run(download, env);
  });
  const deb = readdirSync(NETCAT_CACHE).find((f) => f.startsWith('netcat-openbsd_') && f.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download netcat-openbsd left no .deb');
  await run(['dpkg', '-x', join(NETCAT_CACHE, deb), join(NETCAT_CACHE, 'root')], env);
  return nc;
}
