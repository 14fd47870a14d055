import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshSettings } from '../../../src/host/cluster/ssh-exec.js';

/**
 * A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 and a free high port, with its own
 * host key, one authorized client key, and a stand-in `pct` first on the session's PATH (sshd's
 * SetEnv). The stand-in records the argv it got (NUL-separated) and its pid, answers VMID 404
 * with pct's missing-config line, and otherwise execs the command after `--` (same pid), as if
 * inside the container.
 */
export interface TestSshd {
  dir: string;
  port: number;
  /** Where the stand-in pct writes `argv` and `pid`. */
  rec: string;
  /** Client settings that reach it under the alias `node`. */
  ssh: SshSettings;
  node: string;
  /** A known_hosts listing another key under the node's alias. */
  wrongKnownHosts: string;
  /** An identity the server does not accept. */
  strangerIdentity: string;
  /** Pids of the per-connection sshd processes (children of the listener). */
  sessionPids(): number[];
  stop(): Promise<void>;
}

const PCT_STANDIN = `#!/bin/sh
printf '%s\\0' "$@" > "$UNROT_TEST_REC/argv"
echo $$ > "$UNROT_TEST_REC/pid"
[ "$1" = exec ] && [ "$3" = -- ] || { echo "stand-in pct: unexpected argv" >&2; exit 2; }
if [ "$2" = 404 ]; then echo "Configuration file 'nodes/pve2/lxc/404.conf' does not exist" >&2; exit 2; fi
shift 3
exec "$@"
`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function keygen(file: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'unrot-test', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    }).finally(() => undefined);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sshd did not start listening');
}

export async function startTestSshd(node = 'pve2'): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-sshd-'));
  chmodSync(dir, 0o700);
  const bin = join(dir, 'bin');
  const rec = join(dir, 'rec');
  mkdirSync(bin);
  mkdirSync(rec);
  writeFileSync(join(bin, 'pct'), PCT_STANDIN, { mode: 0o755 });
  const hostPub = keygen(join(dir, 'host_ed25519'));
  const clientPub = keygen(join(dir, 'client_ed25519'));
  keygen(join(dir, 'stranger_ed25519'));
  const otherHostPub = keygen(join(dir, 'other_host_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), `${clientPub}\n`, { mode: 0o600 });
  const keyOnly = (pub: string) => pub.split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `${node} ${keyOnly(hostPub)}\n`);
  writeFileSync(join(dir, 'wrong_known_hosts'), `${node} ${keyOnly(otherHostPub)}\n`);
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'LogLevel ERROR',
      `SetEnv PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin UNROT_TEST_REC=${rec}`,
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  try {
    await listening(port, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}: ${log}`);
  }
  return {
    dir,
    port,
    rec,
    node,
    ssh: { user: 'root', identityFile: join(dir, 'client_ed25519'), knownHosts: join(dir, 'known_hosts'), port, connectTimeoutS: 5 },
    wrongKnownHosts: join(dir, 'wrong_known_hosts'),
    strangerIdentity: join(dir, 'stranger_ed25519'),
    sessionPids: () => {
      if (child.pid === undefined) return [];
      const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).trim();
      return out === '' ? [] : out.split(/\s+/).map(Number);
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
