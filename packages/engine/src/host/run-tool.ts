import { type ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { UnrotError } from '@unrot/sdk';
import { CappedOutput } from './capped-output.js';

export interface RunToolOptions {
  /** The complete environment of the host tool (nothing is inherited). Its PATH also resolves argv[0]. */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  input?: string;
  /**
   * Without input: give the tool a stdin pipe that stays open until it exits, instead of none
   * (ssh: the remote side watches its stdin, and its end means the local side is gone).
   */
  holdStdin?: boolean;
  /** Per stream; bytes beyond it are counted and dropped. */
  maxOutputBytes: number;
  /** After SIGTERM to the process group, how long to wait before SIGKILL. */
  killGraceMs: number;
  /** After the tool exited, how long its pipes may stay open (held by a daemonised grandchild) before we stop reading. */
  drainMs: number;
  /** Told the tool's pid (= its process group) once it started; the spawner reports it to the engine. */
  onSpawn?: (pid: number) => void;
}

export interface RunToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when stdout or stderr was cut at maxOutputBytes. */
  truncated: boolean;
}

/**
 * Runs one host tool from an argv array (never a shell). The tool gets its own process group
 * (`detached`) so a timeout or abort can signal it *and its children* (`kill(-pgid)`): pct execs
 * lxc-attach, which forks the attached command. Resolves for every exit code; throws only
 * E_EXEC_TIMEOUT, E_EXEC_ABORTED or E_EXEC_SPAWN.
 */
export async function runTool(argv: readonly string[], options: RunToolOptions): Promise<RunToolResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new UnrotError('E_EXEC_SPAWN', 'empty argv', { argv });
  if (options.signal?.aborted) throw new UnrotError('E_EXEC_ABORTED', `aborted before running ${file}`, { argv });

  const started = performance.now();
  const stdout = new CappedOutput(options.maxOutputBytes);
  const stderr = new CappedOutput(options.maxOutputBytes);
  // node:child_process directly, not execa: this is the engine's hot path (several calls per
  // container), and execa's per-call setup cost about as much CPU as the fork itself
  // (bench/README.md, "Host-tool calls"). Nothing here needs what execa adds.
  let subprocess: ChildProcess;
  try {
    subprocess = spawn(file, args, {
      shell: false,
      // lxc-attach keeps the caller's working directory inside the container when it exists
      // there; `/` makes it the same, existing directory everywhere.
      cwd: '/',
      env: options.env,
      detached: true,
      stdio: [options.input === undefined && !options.holdStdin ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Thrown synchronously for arguments the OS cannot take (a NUL byte in an argv element, …).
    throw spawnError(file, argv, error);
  }
  if (subprocess.pid !== undefined) options.onSpawn?.(subprocess.pid);
  subprocess.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  subprocess.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  if (subprocess.stdin) {
    // A tool that exits without reading its input closes the pipe: EPIPE is not our failure.
    subprocess.stdin.on('error', () => {});
    // holdStdin: the pipe stays open, unwritten, until the tool exits (below).
    if (options.input !== undefined || !options.holdStdin) subprocess.stdin.end(options.input);
  }

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let killedFor: 'timeout' | 'abort' | undefined;
  let forceTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  const killGroup = (sig: NodeJS.Signals) => {
    if (subprocess.pid === undefined) return;
    try {
      process.kill(-subprocess.pid, sig);
    } catch {
      // ESRCH: the whole group is already gone.
    }
  };
  const terminate = (why: 'timeout' | 'abort') => {
    if (killedFor !== undefined || exit !== undefined) return;
    killedFor = why;
    killGroup('SIGTERM');
    forceTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs);
  };
  const timer = setTimeout(() => terminate('timeout'), options.timeoutMs);
  const onAbort = () => terminate('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  subprocess.once('exit', (code, signal) => {
    exit = { code, signal };
    if (options.holdStdin) subprocess.stdin?.destroy();
    drainTimer = setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, options.drainMs);
  });

  // 'close' comes after the exit and the end (or destruction) of both output pipes; 'error'
  // without a pid is a tool that never started (ENOENT, EACCES, …), which has no exit.
  const startError = await new Promise<Error | undefined>((resolve) => {
    subprocess.once('close', () => resolve(undefined));
    subprocess.on('error', (error) => {
      if (subprocess.pid === undefined) resolve(error);
    });
  });
  clearTimeout(timer);
  clearTimeout(drainTimer);
  clearTimeout(forceTimer);
  options.signal?.removeEventListener('abort', onAbort);
  // Whatever survived SIGTERM in the group (a child ignoring it) does not outlive the call.
  if (killedFor !== undefined) killGroup('SIGKILL');

  const durationMs = Math.round(performance.now() - started);
  const details = { argv, durationMs, stdout: stdout.text().slice(-2000), stderr: stderr.text().slice(-2000) };
  if (killedFor === 'timeout') throw new UnrotError('E_EXEC_TIMEOUT', `${file} exceeded ${options.timeoutMs} ms and was killed`, details);
  if (killedFor === 'abort') throw new UnrotError('E_EXEC_ABORTED', `${file} was aborted`, details);
  if (exit === undefined) throw spawnError(file, argv, startError);
  return {
    exitCode: exit.code ?? 128 + (exit.signal ? (osConstants.signals[exit.signal] ?? 0) : 0),
    stdout: stdout.text(),
    stderr: stderr.text(),
    durationMs,
    truncated: stdout.truncated || stderr.truncated,
  };
}

/** Never started: ENOENT (not on PATH), EACCES, an argv the OS refuses, … */
function spawnError(file: string, argv: readonly string[], error: unknown): UnrotError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new UnrotError('E_EXEC_SPAWN', `could not start ${file}: ${reason}`, { argv, code }, { cause: error });
}
