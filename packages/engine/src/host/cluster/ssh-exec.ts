import { UnrotError } from '@unrot/sdk';
import type { HostExecOptions, HostExecResult } from '../host.js';
import { pctContainerError } from '../pct-errors.js';
import { hostToolEnv } from '../pct-host.js';
import { runTool } from '../run-tool.js';
import { quoteForRemoteShell } from './quote-remote.js';

/** How unrot reaches the other nodes of a cluster (global.yml `host.cluster.ssh`, defaults filled in). */
export interface SshSettings {
  user: string;
  identityFile?: string;
  knownHosts: string;
  port: number;
  connectTimeoutS: number;
}

export const DEFAULT_SSH: SshSettings = { user: 'root', knownHosts: '/etc/pve/priv/known_hosts', port: 22, connectTimeoutS: 10 };

export interface SshExecOptions {
  /** The node's name: the HostKeyAlias its key is listed under in the cluster's known_hosts. */
  node: string;
  /** Its address (`ip` in /cluster/status, or an override). */
  address: string;
  ssh: SshSettings;
  /** The command that runs the argv in the container on that node (pct exec / lxc-attach), as LocalExec builds it. */
  innerArgv: (vmid: number, argv: readonly string[]) => string[];
  path?: string;
  /** ssh's environment beyond the minimal one; nothing is sent to the remote side (no SendEnv). */
  env?: Record<string, string>;
  maxOutputBytes?: number;
  /** Local and remote: SIGTERM, then SIGKILL this much later. Default 5 s. */
  killGraceMs?: number;
  drainMs?: number;
}

/** The remote shell prints this on stderr before anything else: ssh's exit 255 after it may be the command's own. */
export const REMOTE_STARTED = 'unrot-remote: started';
/** One argument to `sh -c` is at most 128 KiB on Linux (MAX_ARG_STRLEN); input travels inside it. */
const MAX_INPUT_BYTES = 96 * 1024;

// ssh's own words for a connection that was made and then lost (the node went away mid-command).
const CONNECTION_LOST =
  /^(?:Connection to \S+ closed by remote host\.|client_loop: send disconnect: .*|Read from remote host .*|Timeout, server \S+ not responding\.)$/m;
// ssh's words when the host key is missing from known_hosts or differs from it.
const HOST_KEY =
  /Host key verification failed\.|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known for|host key for \S+ has changed/;

/**
 * The remote command line: the remote login shell runs `command` with its stdin from /dev/null
 * (or from `input`), and a watcher reads the ssh channel's stdin, which unrot keeps open and
 * never writes to. When the channel closes (unrot killed its ssh on timeout or abort, or unrot
 * died), the watcher sends SIGTERM to the whole remote process group (sshd made it a session of
 * its own), then SIGKILL after the grace: nothing outlives the local call on the other node.
 */
export function remoteCommandLine(command: readonly string[], input: string | undefined, killGraceS: number): string {
  const quoted = quoteForRemoteShell(command);
  const run = input === undefined ? `${quoted} </dev/null` : `printf '%s' ${quoteForRemoteShell([input])} | ${quoted}`;
  return [
    'exec 3<&0',
    `printf '%s\\n' '${REMOTE_STARTED}' >&2`,
    `( while read -r _; do :; done; trap '' TERM; kill -TERM 0; sleep ${killGraceS}; kill -KILL 0 ) <&3 >/dev/null 2>&1 & w=$!`,
    'exec 3<&-',
    run,
    'r=$?',
    'kill $w 2>/dev/null',
    'exit $r',
  ].join('; ');
}

/** `ssh -o BatchMode=yes … user@address --` (the contract's argv): keys only, the cluster's known_hosts, nothing asked. */
export function sshPrefix(node: string, address: string, ssh: SshSettings): string[] {
  return [
    'ssh',
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${ssh.connectTimeoutS}`,
    '-o',
    `UserKnownHostsFile=${ssh.knownHosts}`,
    // An unknown key is a failure, never added: BatchMode alone would still accept a new one under `accept-new`.
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `HostKeyAlias=${node}`,
    ...(ssh.identityFile !== undefined ? ['-i', ssh.identityFile] : []),
    '-p',
    String(ssh.port),
    `${ssh.user}@${address}`,
    '--',
  ];
}

function checkVmid(vmid: number): void {
  if (!Number.isInteger(vmid) || vmid < 100 || vmid > 999_999_999) throw new UnrotError('E_USAGE', `invalid VMID ${vmid}`, { vmid });
}

/** Runs commands in the containers of another cluster node: its own `pct exec` through ssh. */
export class SshExec {
  readonly node: string;
  readonly address: string;
  private readonly options: SshExecOptions;

  constructor(options: SshExecOptions) {
    this.node = options.node;
    this.address = options.address;
    this.options = options;
  }

  /** For plans and logs: the ssh argv with the plain remote command (the watcher around it left out). */
  execArgv(vmid: number, argv: readonly string[]): string[] {
    return [...sshPrefix(this.node, this.address, this.options.ssh), quoteForRemoteShell(this.options.innerArgv(vmid, argv))];
  }

  async exec(vmid: number, argv: readonly string[], options: HostExecOptions): Promise<HostExecResult> {
    checkVmid(vmid);
    if (argv.length === 0) throw new UnrotError('E_USAGE', 'pct exec needs a command', { vmid });
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)
      throw new UnrotError('E_USAGE', `invalid timeout ${options.timeoutMs}`);
    if (options.input !== undefined && Buffer.byteLength(options.input) > MAX_INPUT_BYTES)
      throw new UnrotError('E_USAGE', `input for a command on node ${this.node} exceeds ${MAX_INPUT_BYTES} bytes`, { vmid });
    const inner = this.options.innerArgv(vmid, argv);
    const killGraceMs = this.options.killGraceMs ?? 5000;
    const hostArgv = [
      ...sshPrefix(this.node, this.address, this.options.ssh),
      remoteCommandLine(inner, options.input, Math.max(1, Math.ceil(killGraceMs / 1000))),
    ];
    const shown = this.execArgv(vmid, argv);
    let result: Awaited<ReturnType<typeof runTool>>;
    try {
      result = await runTool(hostArgv, {
        env: hostToolEnv(this.options.path ?? process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', this.options.env),
        // The step's timeout is the command's: ssh's connect (bounded by ConnectTimeout) does not
        // eat into it, or a slow handshake on a busy node would fail quick in-container checks.
        timeoutMs: options.timeoutMs + this.options.ssh.connectTimeoutS * 1000,
        holdStdin: true,
        maxOutputBytes: this.options.maxOutputBytes ?? 4 * 1024 * 1024,
        killGraceMs,
        drainMs: this.options.drainMs ?? 2000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof UnrotError)
        throw new UnrotError(error.code, error.message, { ...error.details, argv: shown, node: this.node }, { cause: error });
      throw error;
    }
    const { started, stderr } = stripStarted(result.stderr);
    if (result.exitCode === 255 && (!started || CONNECTION_LOST.test(stderr))) throw this.sshError(vmid, stderr, started, shown);
    const containerError = pctContainerError(vmid, result.exitCode, stderr, inner);
    if (containerError) throw containerError;
    const out: HostExecResult = { exitCode: result.exitCode, stdout: result.stdout, stderr, durationMs: result.durationMs };
    if (result.truncated) out.truncated = true;
    return out;
  }

  /** ssh's own failure (exit 255), never the command's: with ssh's words, unreachable or a host key problem. */
  private sshError(vmid: number, stderr: string, started: boolean, argv: string[]): UnrotError {
    const words = stderr.trim().slice(0, 500);
    const details = { vmid, node: this.node, address: this.address, argv, stderr: words };
    if (!started && HOST_KEY.test(stderr))
      return new UnrotError(
        'E_NODE_HOST_KEY',
        `node ${this.node} (${this.address}): its SSH host key is not the one in ${this.options.ssh.knownHosts} under '${this.node}': ${words}`,
        details,
      );
    const when = started ? 'the connection was lost while the command ran' : 'ssh could not connect';
    return new UnrotError(
      'E_NODE_UNREACHABLE',
      `node ${this.node} (${this.address}) unreachable for CT ${vmid}: ${when}: ${words}`,
      details,
    );
  }
}

/** The started marker out of stderr (the remote shell's first line), and whether it was there. */
function stripStarted(stderr: string): { started: boolean; stderr: string } {
  const line = `${REMOTE_STARTED}\n`;
  const at = stderr.indexOf(line);
  if (at < 0) return { started: false, stderr };
  return { started: true, stderr: stderr.slice(0, at) + stderr.slice(at + line.length) };
}
