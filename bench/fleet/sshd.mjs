// The other nodes' sshd for `bench/fleet.mjs --nodes N`: one real OpenSSH server (Debian's
// openssh-server) on 127.0.0.1 and a free port, with a temporary host key, one authorized client
// key, and a known_hosts listing that host key under every node's name (the engine connects with
// HostKeyAlias=<node>, as to a Proxmox cluster's /etc/pve/priv/known_hosts). Every node's address
// is 127.0.0.1, so this one server plays every node but the local one; its sessions find the
// simulated host's `pct` and `sim` first on PATH (sshd's SetEnv), as the local node does, and an
// empty HOME: bash sources ~/.bashrc for a command over ssh, and this machine's root dotfiles
// (on the development machine a pyenv init, ~0.8 s of CPU and 2.5 s of wall per session) are not
// what a Proxmox node's plain Debian root runs, so they would be measured as the cost of ssh.
// Shaped like packages/engine/test/host/cluster/test-sshd.ts.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function keygen(file) {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'unrot-bench', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
}

const connects = (port) =>
  new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
/** The listener's CPU with its reaped children's: every session, the remote shells, pct, sim and sleep. */
function treeCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / clockTicks;
}

/**
 * Starts the server in DIR (created, 0700) for the remote `nodes`, sessions with `bin` first on
 * PATH. Returns the global.yml `host.cluster.ssh` values, and stop(), which returns the server
 * side's CPU (sessions and everything they ran) in ms.
 */
export async function startBenchSshd(dir, bin, nodes) {
  mkdirSync(join(dir, 'home'), { recursive: true, mode: 0o700 });
  const hostKey = keygen(join(dir, 'host_ed25519'));
  const clientKey = keygen(join(dir, 'client_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), `${clientKey}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), `${nodes.join(',')} ${hostKey}\n`);
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
      // Every container's exec is a connection of its own: at concurrency 16 more than sshd's default
      // 10 may be in their handshake at once, and it would drop some at random.
      'MaxStartups 1000',
      'LogLevel ERROR',
      `SetEnv HOME=${join(dir, 'home')} PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    log += d;
  });
  const failed = new Promise((resolve) => child.once('error', (e) => resolve(e.message)));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i === 200) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not start listening on 127.0.0.1:${port}: ${log.trim() || (await Promise.race([failed, 'no output']))}`);
    }
    if (await connects(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    ssh: {
      user: userInfo().username,
      identityFile: join(dir, 'client_ed25519'),
      knownHosts: join(dir, 'known_hosts'),
      port,
    },
    async stop() {
      if (child.exitCode !== null) return undefined;
      let cpuMs;
      try {
        cpuMs = treeCpuMs(child.pid);
      } catch {
        cpuMs = undefined;
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      return cpuMs;
    },
  };
}
