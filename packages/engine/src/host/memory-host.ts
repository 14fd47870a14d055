import { randomBytes } from 'node:crypto';
import { type ContainerInfo, type ErrorCode, UnrotError } from '@unrot/sdk';
import { CONTEXT_PATH, WRITE_CONTEXT_SCRIPT } from '../lifecycle/hook-context-script.js';
import type { ContainerConfig, Host, HostExecOptions, HostExecResult, VzdumpOptions } from './host.js';
import type { SnapshotTreeEntry } from './parse-listsnapshot.js';
import type { PvesmStorage } from './parse-pvesm-status.js';
import { vzdumpArgv } from './pct-host.js';

// An in-memory Proxmox host for tests: no pct, no root, no PATH tricks. Containers keep a map
// of files that the exec handler reads and writes; snapshots and vzdump archives copy that
// state, and rollback/restore put it back, so a test can assert what a rollback restored.

/** Every Host method, as named in the call log and in failure injection. */
export type MemoryHostOperation =
  | 'listContainers'
  | 'readConfig'
  | 'storageStatus'
  | 'status'
  | 'exec'
  | 'listSnapshots'
  | 'snapshot'
  | 'deleteSnapshot'
  | 'rollback'
  | 'setRunning'
  | 'vzdump'
  | 'restore';

/** One call the engine made, in order. `argv` is set for exec, `name` for snapshot operations, `archive` for restore. */
export interface MemoryHostCall {
  op: MemoryHostOperation;
  vmid?: number;
  argv?: readonly string[];
  name?: string;
  archive?: string;
}

/** What a snapshot or an archive holds: the container's files, config and tags at that moment. */
export interface MemoryContainerImage {
  files: Map<string, string>;
  config: ContainerConfig;
  tags: string[];
}

export interface MemorySnapshot {
  name: string;
  description: string;
  /** `YYYY-MM-DD HH:MM:SS`, as pct listsnapshot prints it. */
  time: string;
  image: MemoryContainerImage;
}

/** A container's live state; tests may read and change it directly. */
export interface MemoryContainer {
  vmid: number;
  name: string;
  status: 'running' | 'stopped';
  /** Proxmox lock (`backup`, `snapshot`, …), also shown as `lock` in the config. */
  lock?: string;
  tags: string[];
  unprivileged: boolean;
  template: boolean;
  ostype?: string;
  config: ContainerConfig;
  files: Map<string, string>;
  /** False: `pct snapshot` fails with E_SNAPSHOT_UNSUPPORTED (e.g. a directory-backed rootfs). */
  snapshotFeature: boolean;
  /** False: no writable /run or /tmp (the hook context file cannot be written). */
  scratch: boolean;
  snapshots: MemorySnapshot[];
}

export interface MemoryContainerSpec {
  vmid: number;
  name?: string;
  status?: 'running' | 'stopped';
  lock?: string;
  tags?: string[];
  unprivileged?: boolean;
  template?: boolean;
  ostype?: string;
  /** Defaults to a rootfs on `local-lvm`. */
  config?: ContainerConfig;
  files?: Record<string, string>;
  snapshotFeature?: boolean;
  /** Default true; false: `mktemp` fails in /run and /tmp (read-only), so hooks get no context file. */
  scratch?: boolean;
}

export interface MemoryExecCall {
  vmid: number;
  /** Without a leading `env NAME=VALUE…` (the engine's hook context), which is in `env`. */
  argv: readonly string[];
  /** The variables an `env NAME=VALUE… cmd` prefix set (hooks get UNROT_*). */
  env?: Record<string, string>;
  input?: string;
  /** The live container: a handler may read and change its files or status. */
  container: MemoryContainer;
}

/** Returns the result of a command, or undefined to fall through to the built-in file commands. */
export type MemoryExecHandler = (
  call: MemoryExecCall,
) => Partial<Omit<HostExecResult, 'durationMs'>> | undefined | Promise<Partial<Omit<HostExecResult, 'durationMs'>> | undefined>;

export interface MemoryFailure {
  /** The error thrown (a bare code becomes an UnrotError with that code). */
  error: UnrotError | ErrorCode;
  /** Only calls this predicate accepts fail; default every call of the operation. */
  when?: (call: MemoryHostCall) => boolean;
  /** How many matching calls fail before the operation works again; default every one. */
  times?: number;
}

export interface MemoryHostOptions {
  containers: MemoryContainerSpec[];
  /** Scripted commands, tried before the built-in file commands (cat, test, cp, …). */
  exec?: MemoryExecHandler;
  storages?: PvesmStorage[];
  /** Directory that vzdump archives are named under. */
  dumpDir?: string;
  now?: () => Date;
}

const DEFAULT_STORAGES: PvesmStorage[] = [
  { name: 'local', type: 'dir', status: 'active', totalKiB: 100_000_000, usedKiB: 10_000_000, availableKiB: 90_000_000, usedPercent: 10 },
  {
    name: 'local-lvm',
    type: 'lvmthin',
    status: 'active',
    totalKiB: 100_000_000,
    usedKiB: 10_000_000,
    availableKiB: 90_000_000,
    usedPercent: 10,
  },
];

/** The in-memory Host: see the file comment. Safe for one test at a time; not thread-safe across workers. */
export class MemoryHost implements Host {
  /** Every Host call in order (execArgv/snapshotArgv are pure and not logged). */
  readonly calls: MemoryHostCall[] = [];
  readonly containers = new Map<number, MemoryContainer>();
  /** vzdump archives by path. */
  readonly archives = new Map<string, { vmid: number; notes: string; image: MemoryContainerImage }>();
  storages: PvesmStorage[];
  private handler: MemoryExecHandler | undefined;
  private readonly failures = new Map<MemoryHostOperation, MemoryFailure[]>();
  private readonly dumpDir: string;
  private readonly now: () => Date;
  private archiveSeq = 0;

  constructor(options: MemoryHostOptions) {
    for (const spec of options.containers) this.addContainer(spec);
    this.handler = options.exec;
    this.storages = options.storages ?? DEFAULT_STORAGES.map((s) => ({ ...s }));
    this.dumpDir = options.dumpDir ?? '/var/lib/vz/dump';
    this.now = options.now ?? (() => new Date());
  }

  addContainer(spec: MemoryContainerSpec): MemoryContainer {
    const ct: MemoryContainer = {
      vmid: spec.vmid,
      name: spec.name ?? `ct${spec.vmid}`,
      status: spec.status ?? 'running',
      ...(spec.lock ? { lock: spec.lock } : {}),
      tags: [...(spec.tags ?? [])],
      unprivileged: spec.unprivileged ?? true,
      template: spec.template ?? false,
      ...(spec.ostype ? { ostype: spec.ostype } : {}),
      config: { ...(spec.config ?? { hostname: spec.name ?? `ct${spec.vmid}`, rootfs: `local-lvm:vm-${spec.vmid}-disk-0,size=8G` }) },
      files: new Map(Object.entries(spec.files ?? {})),
      snapshotFeature: spec.snapshotFeature ?? true,
      scratch: spec.scratch ?? true,
      snapshots: [],
    };
    this.containers.set(spec.vmid, ct);
    return ct;
  }

  /** The live container; throws when the test names one that does not exist. */
  container(vmid: number): MemoryContainer {
    const ct = this.containers.get(vmid);
    if (!ct) throw new Error(`memory host has no CT ${vmid}`);
    return ct;
  }

  /** A container's files as a plain object, for assertions. */
  files(vmid: number): Record<string, string> {
    return Object.fromEntries(this.container(vmid).files);
  }

  /** Replaces the scripted exec handler. */
  onExec(handler: MemoryExecHandler | undefined): void {
    this.handler = handler;
  }

  /** Makes an operation throw (see MemoryFailure); several injections of one operation are tried in order. */
  fail(op: MemoryHostOperation, failure: MemoryFailure | UnrotError | ErrorCode): void {
    const entry: MemoryFailure = typeof failure === 'string' || failure instanceof UnrotError ? { error: failure } : failure;
    this.failures.set(op, [...(this.failures.get(op) ?? []), entry]);
  }

  /** The operations logged, optionally only those of one kind. */
  ops(filter?: MemoryHostOperation): MemoryHostCall[] {
    return filter ? this.calls.filter((c) => c.op === filter) : [...this.calls];
  }

  // --- Host ---

  async listContainers(signal?: AbortSignal): Promise<ContainerInfo[]> {
    this.record({ op: 'listContainers' }, signal);
    return [...this.containers.values()].map((ct) => ({
      vmid: ct.vmid,
      name: ct.name,
      status: ct.status,
      ...(ct.lock ? { lock: ct.lock } : {}),
      tags: [...ct.tags],
      unprivileged: ct.unprivileged,
      template: ct.template,
      ...(ct.ostype ? { ostype: ct.ostype } : {}),
    }));
  }

  async readConfig(vmid: number, signal?: AbortSignal): Promise<ContainerConfig> {
    const ct = this.existing(this.record({ op: 'readConfig', vmid }, signal));
    return { ...ct.config, ...(ct.lock ? { lock: ct.lock } : {}) };
  }

  async storageStatus(signal?: AbortSignal): Promise<PvesmStorage[]> {
    this.record({ op: 'storageStatus' }, signal);
    return this.storages.map((s) => ({ ...s }));
  }

  async status(vmid: number, signal?: AbortSignal): Promise<'running' | 'stopped' | 'unknown'> {
    return this.existing(this.record({ op: 'status', vmid }, signal)).status;
  }

  execArgv(vmid: number, argv: readonly string[]): string[] {
    return ['pct', 'exec', String(vmid), '--', ...argv];
  }

  async exec(vmid: number, argv: readonly string[], options: HostExecOptions): Promise<HostExecResult> {
    const ct = this.existing(this.record({ op: 'exec', vmid, argv: [...argv] }, options.signal));
    if (argv.length === 0) throw new UnrotError('E_USAGE', 'pct exec needs a command', { vmid });
    if (ct.status !== 'running') throw new UnrotError('E_CT_NOT_RUNNING', `container ${vmid} is not running`, { vmid, argv });
    const { env, command } = splitEnv(argv);
    const call: MemoryExecCall = {
      vmid,
      argv: command,
      ...(env ? { env } : {}),
      container: ct,
      ...(options.input !== undefined ? { input: options.input } : {}),
    };
    // The engine's own scratch file for hooks comes first: a handler scripts the container's commands.
    const own = hookContextExec(call);
    const scripted = own ?? (this.handler ? await this.handler(call) : undefined);
    const result = scripted ?? builtinExec(call);
    return { exitCode: result.exitCode ?? 0, stdout: result.stdout ?? '', stderr: result.stderr ?? '', durationMs: 1 };
  }

  async listSnapshots(vmid: number, signal?: AbortSignal): Promise<SnapshotTreeEntry[]> {
    const ct = this.existing(this.record({ op: 'listSnapshots', vmid }, signal));
    // Each snapshot is taken from the one before it; `current` hangs below the newest.
    const entries: SnapshotTreeEntry[] = ct.snapshots.map((s, i) => ({
      name: s.name,
      parent: i > 0 ? (ct.snapshots[i - 1] as MemorySnapshot).name : null,
      depth: i,
      time: s.time,
      description: s.description.split('\n')[0] || 'no-description',
      current: false,
    }));
    const last = ct.snapshots[ct.snapshots.length - 1];
    entries.push({
      name: 'current',
      parent: last?.name ?? null,
      depth: ct.snapshots.length,
      time: null,
      description: 'You are here!',
      current: true,
    });
    return entries;
  }

  async snapshot(vmid: number, name: string, description: string, _timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    const ct = this.existing(this.record({ op: 'snapshot', vmid, name }, signal));
    this.unlocked(ct);
    if (!ct.snapshotFeature) {
      throw new UnrotError('E_SNAPSHOT_UNSUPPORTED', `snapshot feature is not available for CT ${vmid}`, { vmid });
    }
    if (name === 'current' || ct.snapshots.some((s) => s.name === name)) {
      throw new UnrotError('E_BACKUP_FAILED', `snapshot name '${name}' already used on CT ${vmid}`, { vmid, name });
    }
    ct.snapshots.push({ name, description, time: pveTime(this.now()), image: imageOf(ct) });
  }

  snapshotArgv(vmid: number, name: string, description: string): string[] {
    return ['pct', 'snapshot', String(vmid), name, '--description', description];
  }

  vzdumpArgv(vmid: number, options: VzdumpOptions): string[] {
    return vzdumpArgv(vmid, options);
  }

  async deleteSnapshot(vmid: number, name: string, _timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    const ct = this.existing(this.record({ op: 'deleteSnapshot', vmid, name }, signal));
    this.unlocked(ct);
    const index = ct.snapshots.findIndex((s) => s.name === name);
    if (index < 0) throw new UnrotError('E_BACKUP_FAILED', `snapshot '${name}' does not exist on CT ${vmid}`, { vmid, name });
    ct.snapshots.splice(index, 1);
  }

  async rollback(vmid: number, name: string, start: boolean, _timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    const ct = this.existing(this.record({ op: 'rollback', vmid, name }, signal));
    this.unlocked(ct);
    const snap = ct.snapshots.find((s) => s.name === name);
    if (!snap) throw new UnrotError('E_ROLLBACK_FAILED', `snapshot '${name}' does not exist on CT ${vmid}`, { vmid, name });
    // Like pct rollback: the container is stopped, put back, and started only when asked.
    restoreImage(ct, snap.image);
    ct.status = start ? 'running' : 'stopped';
  }

  async setRunning(vmid: number, running: boolean, _timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    const ct = this.existing(this.record({ op: 'setRunning', vmid }, signal));
    this.unlocked(ct);
    ct.status = running ? 'running' : 'stopped';
  }

  async vzdump(vmid: number, options: VzdumpOptions, _timeoutMs?: number, signal?: AbortSignal): Promise<string> {
    const ct = this.existing(this.record({ op: 'vzdump', vmid }, signal));
    this.unlocked(ct);
    if (!this.storages.some((s) => s.name === options.storage && s.status === 'active')) {
      throw new UnrotError('E_BACKUP_FAILED', `storage '${options.storage}' is not available for vzdump of CT ${vmid}`, { vmid });
    }
    const stamp = pveTime(this.now()).replace(/[- :]/g, '_');
    // vzdump's own names: .tar.zst, .tar.gz, .tar.lzo, or a bare .tar.
    const ext = { zstd: 'tar.zst', gzip: 'tar.gz', lzo: 'tar.lzo' }[options.compress] ?? 'tar';
    const archive = `${this.dumpDir}/vzdump-lxc-${vmid}-${stamp}-${++this.archiveSeq}.${ext}`;
    this.archives.set(archive, { vmid, notes: options.notes, image: imageOf(ct) });
    return archive;
  }

  async restore(vmid: number, archive: string, _storage?: string, _timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    const ct = this.existing(this.record({ op: 'restore', vmid, archive }, signal));
    this.unlocked(ct);
    if (ct.status === 'running')
      throw new UnrotError('E_ROLLBACK_FAILED', `CT ${vmid} is running; pct restore --force needs it stopped`, { vmid });
    const stored = this.archives.get(archive);
    if (!stored) throw new UnrotError('E_ROLLBACK_FAILED', `archive ${archive} does not exist`, { vmid, archive });
    restoreImage(ct, stored.image);
  }

  // --- internals ---

  /** Logs the call, then throws an injected failure when one matches (or E_EXEC_ABORTED for an aborted signal). */
  private record(call: MemoryHostCall, signal?: AbortSignal): MemoryHostCall {
    this.calls.push(call);
    if (signal?.aborted) throw new UnrotError('E_EXEC_ABORTED', `${call.op} aborted`, { vmid: call.vmid });
    const list = this.failures.get(call.op) ?? [];
    const match = list.find((f) => (f.times === undefined || f.times > 0) && (!f.when || f.when(call)));
    if (match) {
      if (match.times !== undefined) match.times--;
      throw typeof match.error === 'string'
        ? new UnrotError(match.error, `injected ${call.op} failure${call.vmid !== undefined ? ` on CT ${call.vmid}` : ''}`)
        : match.error;
    }
    return call;
  }

  private existing(call: MemoryHostCall): MemoryContainer {
    const ct = call.vmid === undefined ? undefined : this.containers.get(call.vmid);
    if (!ct) throw new UnrotError('E_CT_NOT_FOUND', `container ${call.vmid} does not exist`, { vmid: call.vmid });
    return ct;
  }

  private unlocked(ct: MemoryContainer): void {
    if (ct.lock) throw new UnrotError('E_CT_LOCKED', `CT ${ct.vmid} is locked (${ct.lock})`, { vmid: ct.vmid, lock: ct.lock });
  }
}

function imageOf(ct: MemoryContainer): MemoryContainerImage {
  return { files: new Map(ct.files), config: { ...ct.config }, tags: [...ct.tags] };
}

function restoreImage(ct: MemoryContainer, image: MemoryContainerImage): void {
  ct.files = new Map(image.files);
  ct.config = { ...image.config };
  ct.tags = [...image.tags];
}

function pveTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** `env NAME=VALUE… cmd…` as the engine runs hooks: the variables apart, the command as argv. */
function splitEnv(argv: readonly string[]): { env?: Record<string, string>; command: readonly string[] } {
  if (argv[0] !== 'env') return { command: argv };
  const env: Record<string, string> = {};
  let i = 1;
  for (; i < argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i] as string); i++) {
    const arg = argv[i] as string;
    env[arg.slice(0, arg.indexOf('='))] = arg.slice(arg.indexOf('=') + 1);
  }
  return i < argv.length ? { env, command: argv.slice(i) } : { command: argv };
}

/** The hook context file: written by WRITE_CONTEXT_SCRIPT (like mktemp: a fresh random name), removed with rm -f --. */
function hookContextExec({ argv, input, container }: MemoryExecCall): Partial<Omit<HostExecResult, 'durationMs'>> | undefined {
  if (argv[0] === 'sh' && argv[1] === '-c' && argv[2] === WRITE_CONTEXT_SCRIPT && argv.length === 3) {
    const readOnly = "mktemp: failed to create file via template '/tmp/unrot-hook.XXXXXXXXXX': Read-only file system\n";
    if (!container.scratch) return { exitCode: 1, stderr: readOnly };
    const path = `/run/unrot-hook.${randomBytes(8).toString('hex').slice(0, 10)}`;
    container.files.set(path, input ?? '');
    return { exitCode: 0, stdout: `${path}\n` };
  }
  if (argv[0] === 'rm' && argv[1] === '-f' && argv[2] === '--' && argv.length === 4 && CONTEXT_PATH.test(argv[3] as string)) {
    container.files.delete(argv[3] as string);
    return { exitCode: 0 };
  }
  return undefined;
}

/**
 * A handful of commands over the container's file map, enough for file-based test runners:
 * `cat F`, `test -f|-e F`, `cp A B`, `mv A B`, `rm [-f] F…`, `tee F` (stdin), `true`, `false`,
 * `echo …`. Anything else exits 127 as a missing command does.
 */
function builtinExec({ argv, input, container }: MemoryExecCall): Partial<Omit<HostExecResult, 'durationMs'>> {
  const files = container.files;
  const [cmd, ...args] = argv;
  const missing = (path: string, tool: string) => ({ exitCode: 1, stderr: `${tool}: ${path}: No such file or directory\n` });
  switch (cmd) {
    case 'true':
      return { exitCode: 0 };
    case 'false':
      return { exitCode: 1 };
    case 'echo':
      return { exitCode: 0, stdout: `${args.join(' ')}\n` };
    case 'cat': {
      let out = '';
      for (const path of args) {
        const body = files.get(path);
        if (body === undefined) return { ...missing(path, 'cat'), stdout: out };
        out += body;
      }
      return { exitCode: 0, stdout: out };
    }
    case 'test':
      if ((args[0] === '-f' || args[0] === '-e') && args[1] !== undefined) return { exitCode: files.has(args[1]) ? 0 : 1 };
      return { exitCode: 2, stderr: `test: unsupported expression ${args.join(' ')}\n` };
    case 'cp':
    case 'mv': {
      const [from, to] = args;
      if (from === undefined || to === undefined || args.length !== 2) return { exitCode: 1, stderr: `${cmd}: needs SOURCE DEST\n` };
      const body = files.get(from);
      if (body === undefined) return missing(from, cmd);
      files.set(to, body);
      if (cmd === 'mv') files.delete(from);
      return { exitCode: 0 };
    }
    case 'rm': {
      const force = args[0] === '-f';
      for (const path of force ? args.slice(1) : args) {
        if (!files.delete(path) && !force) return missing(path, 'rm');
      }
      return { exitCode: 0 };
    }
    case 'tee': {
      const path = args[0];
      if (path === undefined) return { exitCode: 1, stderr: 'tee: needs FILE\n' };
      files.set(path, input ?? '');
      return { exitCode: 0, stdout: input ?? '' };
    }
    default:
      return { exitCode: 127, stderr: `${cmd}: command not found\n` };
  }
}
