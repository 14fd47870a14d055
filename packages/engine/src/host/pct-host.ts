import { hostname } from 'node:os';
import { type ContainerInfo, type Logger, silentLogger, UnrotError } from '@unrot/sdk';
import { containerInfos } from './container-infos.js';
import type { ContainerConfig, Host, HostExecOptions, HostExecResult, ListedReading, VzdumpOptions } from './host.js';
import { parseListSnapshot, type SnapshotTreeEntry } from './parse-listsnapshot.js';
import { flattenPctConfig, parsePctConfig } from './parse-pct-config.js';
import { parsePctStatus } from './parse-pct-status.js';
import { parsePveshLxc } from './parse-pvesh-lxc.js';
import { type PvesmStorage, parsePvesmStatus } from './parse-pvesm-status.js';
import { backupError, parseVzdumpArchive } from './pct-backup.js';
import { pctContainerError } from './pct-errors.js';
import { type RunToolResult, runTool } from './run-tool.js';
import { runToolInSpawner } from './spawner/spawner-client.js';

export interface PctHostOptions {
  /** Proxmox node name for `pvesh get /nodes/<node>/lxc`; default: this machine's short host name. */
  node?: string;
  /** PATH used to find `pct`/`pvesh` (and passed on); default: process.env.PATH at call time. */
  path?: string;
  /**
   * Extra variables for the host tools, merged over the minimal set (see hostToolEnv). Nothing
   * else of unrot's environment is passed on; the sandbox's stand-ins get their UNROT_SANDBOX_*
   * variables only through here (see host-spec.ts, UNROT_HOST_TOOL_ENV).
   */
  env?: Record<string, string>;
  /** Time limit for list/config/status calls; default 60 s. */
  toolTimeoutMs?: number;
  /** Cap per output stream; default 4 MiB. */
  maxOutputBytes?: number;
  /** `pct config` reads in flight while listing; default 4. */
  configConcurrency?: number;
  /** SIGTERM → SIGKILL grace on timeout/abort; default 5 s. */
  killGraceMs?: number;
  /** How long pipes held open by a daemonised grandchild are read after pct exited; default 2 s. */
  drainMs?: number;
  log?: Logger;
  /**
   * Where host tools are forked: `spawner` (default), a small long-lived process per thread
   * (spawner/spawner-client.ts), so the fork does not copy the engine's page tables; `in-process`
   * forks the engine itself. UNROT_SPAWNER=off in the environment makes `in-process` the default.
   */
  spawn?: 'spawner' | 'in-process';
}

/**
 * The environment every pct/pvesh call gets, and (pct exec keeps the env by default, §8) the
 * environment of every command inside a container. Built from scratch so nothing of unrot's own
 * environment (tokens for notifiers, SSH agents, proxies) leaks into containers. LANG/LC_ALL=C
 * keep package-manager output untranslated and parseable; HOME=/root because commands run as
 * root inside and tools such as npm, pip and git expect a HOME. pct sets its own PATH for the
 * container; ours only serves to find pct itself.
 */
export function hostToolEnv(path: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: path, HOME: '/root', LANG: 'C', LC_ALL: 'C', ...extra };
}

const DEFAULT_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** `pct exec VMID -- argv…`: what plans and logs show for a command inside a container. */
export function pctExecArgv(vmid: number, argv: readonly string[]): string[] {
  return ['pct', 'exec', String(vmid), '--', ...argv];
}

/** `pct snapshot VMID NAME --description TEXT`. */
export function pctSnapshotArgv(vmid: number, name: string, description: string): string[] {
  return ['pct', 'snapshot', String(vmid), name, '--description', description];
}
/** `vzdump VMID --storage S --mode M --compress C --notes-template T`: what a vzdump backup runs, and what a plan shows. */
export function vzdumpArgv(vmid: number, options: VzdumpOptions): string[] {
  const { storage, mode, compress, notes } = options;
  return ['vzdump', String(vmid), '--storage', storage, '--mode', mode, '--compress', compress, '--notes-template', notes];
}
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

/** Host over the real Proxmox CLIs (`pct`, `pvesh`, `pvesm`), found on PATH. */
export class PctHost implements Host {
  readonly node: string;
  private readonly options: PctHostOptions;
  private readonly log: Logger;
  private listed = new Map<number, ListedReading>();

  constructor(options: PctHostOptions = {}) {
    this.node = options.node ?? hostname().split('.')[0] ?? 'localhost';
    if (!NODE_NAME.test(this.node)) throw new UnrotError('E_CONFIG', `invalid Proxmox node name ${JSON.stringify(this.node)}`);
    this.options = options;
    this.log = options.log ?? silentLogger;
  }

  execArgv(vmid: number, argv: readonly string[]): string[] {
    return pctExecArgv(vmid, argv);
  }

  async exec(vmid: number, argv: readonly string[], options: HostExecOptions): Promise<HostExecResult> {
    checkVmid(vmid);
    if (argv.length === 0) throw new UnrotError('E_USAGE', 'pct exec needs a command', { vmid });
    const hostArgv = this.execArgv(vmid, argv);
    const result = await this.run(hostArgv, options.timeoutMs, options.signal, options.input);
    const error = pctContainerError(vmid, result.exitCode, result.stderr, hostArgv);
    if (error) throw error;
    const out: HostExecResult = { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, durationMs: result.durationMs };
    if (result.truncated) out.truncated = true;
    return out;
  }

  async readConfig(vmid: number, signal?: AbortSignal): Promise<ContainerConfig> {
    checkVmid(vmid);
    const result = await this.tool(['pct', 'config', String(vmid)], signal, vmid);
    return flattenPctConfig(parsePctConfig(result.stdout));
  }

  async status(vmid: number, signal?: AbortSignal): Promise<'running' | 'stopped' | 'unknown'> {
    checkVmid(vmid);
    const result = await this.tool(['pct', 'status', String(vmid)], signal, vmid);
    return parsePctStatus(result.stdout).status;
  }

  /**
   * pvesh for status/name/lock/tags/template of every CT, then each CT's `pct config` (bounded
   * concurrency) for what pvesh lacks: privilege and ostype. The config is the later read, so
   * its lock/tags/template win. A CT deleted between the two reads is dropped: it is no
   * longer a target, and the pipeline meets the same E_CT_NOT_FOUND if it vanishes later.
   */
  async listContainers(signal?: AbortSignal): Promise<ContainerInfo[]> {
    const startedAtMs = Date.now();
    const list = await this.tool(['pvesh', 'get', `/nodes/${this.node}/lxc`, '--output-format', 'json'], signal);
    const entries = parsePveshLxc(list.stdout);
    const listed = new Map<number, ListedReading>();
    const infos = await containerInfos(entries, (vmid) => this.readConfig(vmid, signal), {
      concurrency: this.options.configConcurrency ?? 4,
      log: this.log,
      startedAtMs,
      onRead: (vmid, reading) => listed.set(vmid, reading),
    });
    this.listed = listed;
    return infos;
  }

  listedReading(vmid: number): ListedReading | undefined {
    return this.listed.get(vmid);
  }

  /** `pct listsnapshot VMID` as a tree (ready for the snapshot step; not part of Host yet). */
  async listSnapshots(vmid: number, signal?: AbortSignal): Promise<SnapshotTreeEntry[]> {
    checkVmid(vmid);
    const result = await this.tool(['pct', 'listsnapshot', String(vmid)], signal, vmid);
    return parseListSnapshot(result.stdout);
  }

  /** `pvesm status` (pre-flight: is there room for the backup?). */
  async storageStatus(signal?: AbortSignal): Promise<PvesmStorage[]> {
    const result = await this.tool(['pvesm', 'status'], signal);
    return parsePvesmStatus(result.stdout);
  }

  /** `pct snapshot VMID NAME --description TEXT`. Throws E_SNAPSHOT_UNSUPPORTED, E_CT_LOCKED or E_BACKUP_FAILED. */
  async snapshot(vmid: number, name: string, description: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.task('snapshot', vmid, pctSnapshotArgv(vmid, name, description), timeoutMs, signal);
  }

  /** `pct delsnapshot VMID NAME`. */
  async deleteSnapshot(vmid: number, name: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.task('delsnapshot', vmid, ['pct', 'delsnapshot', String(vmid), name], timeoutMs, signal);
  }

  /** `pct rollback VMID NAME [--start 1]`: a running CT is hard-stopped first and stays stopped unless start. */
  async rollback(vmid: number, name: string, start: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.task('rollback', vmid, ['pct', 'rollback', String(vmid), name, ...(start ? ['--start', '1'] : [])], timeoutMs, signal);
  }

  /** `pct start VMID` / `pct stop VMID`. */
  async setRunning(vmid: number, running: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.task(running ? 'start' : 'stop', vmid, ['pct', running ? 'start' : 'stop', String(vmid)], timeoutMs, signal);
  }

  /** `vzdump VMID --storage S --mode M --compress C --notes-template T`; returns the archive path. */
  async vzdump(vmid: number, options: VzdumpOptions, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const argv = vzdumpArgv(vmid, options);
    const result = await this.task('vzdump', vmid, argv, timeoutMs, signal);
    const archive = parseVzdumpArchive(result.stdout);
    if (!archive)
      throw new UnrotError('E_HOST_OUTPUT', `vzdump of CT ${vmid} succeeded but named no archive`, {
        vmid,
        stdout: result.stdout.slice(-2000),
      });
    return archive;
  }

  /** `pct restore VMID ARCHIVE --force 1 [--storage S]` (the CT must be stopped). */
  async restore(vmid: number, archive: string, storage: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const argv = ['pct', 'restore', String(vmid), archive, '--force', '1', ...(storage ? ['--storage', storage] : [])];
    await this.task('restore', vmid, argv, timeoutMs, signal);
  }

  /** The exact argv each backup operation runs, for plans. */
  snapshotArgv(vmid: number, name: string, description: string): string[] {
    return pctSnapshotArgv(vmid, name, description);
  }

  vzdumpArgv(vmid: number, options: VzdumpOptions): string[] {
    return vzdumpArgv(vmid, options);
  }

  /** A Proxmox task command (pct snapshot/rollback/…, vzdump): exit 0 or a coded error from its output. */
  private async task(what: string, vmid: number, argv: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<RunToolResult> {
    checkVmid(vmid);
    const result = await this.run(argv, timeoutMs, signal);
    if (result.exitCode === 0) return result;
    throw (
      pctContainerError(vmid, result.exitCode, result.stderr, argv) ??
      backupError(what, vmid, result.exitCode, `${result.stdout}\n${result.stderr}`, argv)
    );
  }

  private run(argv: readonly string[], timeoutMs: number, signal: AbortSignal | undefined, input?: string): Promise<RunToolResult> {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UnrotError('E_USAGE', `invalid timeout ${timeoutMs}`, { argv });
    const spawnIn = this.options.spawn ?? (process.env['UNROT_SPAWNER'] === 'off' ? 'in-process' : 'spawner');
    return (spawnIn === 'spawner' ? runToolInSpawner : runTool)(argv, {
      env: hostToolEnv(this.options.path ?? process.env['PATH'] ?? DEFAULT_PATH, this.options.env),
      timeoutMs,
      signal,
      input,
      maxOutputBytes: this.options.maxOutputBytes ?? 4 * 1024 * 1024,
      killGraceMs: this.options.killGraceMs ?? 5000,
      drainMs: this.options.drainMs ?? 2000,
    });
  }

  /** A host query: must exit 0; pct's own container errors keep their codes. */
  private async tool(argv: readonly string[], signal: AbortSignal | undefined, vmid?: number): Promise<RunToolResult> {
    const result = await this.run(argv, this.options.toolTimeoutMs ?? 60_000, signal);
    if (result.exitCode === 0) return result;
    const error = vmid === undefined ? undefined : pctContainerError(vmid, result.exitCode, result.stderr, argv);
    throw (
      error ??
      new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim().slice(0, 500)}`, {
        argv,
        exitCode: result.exitCode,
        stderr: result.stderr,
      })
    );
  }
}

function checkVmid(vmid: number): void {
  if (!Number.isInteger(vmid) || vmid < 100 || vmid > 999_999_999) throw new UnrotError('E_USAGE', `invalid VMID ${vmid}`, { vmid });
}
