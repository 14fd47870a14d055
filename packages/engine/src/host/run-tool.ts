import { constants as osConstants } from 'node:os';
import { UnrotError } from '@unrot/sdk';
import { execa } from 'execa';
import { CappedOutput } from './capped-output.js';

export interface RunToolOptions {
  /** The complete environment of the host tool (nothing is inherited). Its PATH also resolves argv[0]. */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  input?: string;
  /** Per stream; bytes beyond it are counted and dropped. */
  maxOutputBytes: number;
  /** After SIGTERM to the process group, how long to wait before SIGKILL. */
  killGraceMs: number;
  /** After the tool exited, how long its pipes may stay open (held by a daemonised grandchild) before we stop reading. */
  drainMs: number;
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
  const subprocess = execa(file, args, {
    shell: false,
    // lxc-attach keeps the caller's working directory inside the container when it exists
    // there; `/` makes it the same, existing directory everywhere.
    cwd: '/',
    env: options.env,
    extendEnv: false,
    detached: true,
    reject: false,
    buffer: false,
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  subprocess.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  subprocess.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

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
    drainTimer = setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, options.drainMs);
  });

  const result = await subprocess;
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
  if (exit === undefined) {
    // Never started: ENOENT (not on PATH), EACCES, …
    throw new UnrotError(
      'E_EXEC_SPAWN',
      `could not start ${file}: ${result.code ?? result.shortMessage}`,
      { argv, code: result.code },
      { cause: result },
    );
  }
  return {
    exitCode: exit.code ?? 128 + (exit.signal ? (osConstants.signals[exit.signal] ?? 0) : 0),
    stdout: stdout.text(),
    stderr: stderr.text(),
    durationMs,
    truncated: stdout.truncated || stderr.truncated,
  };
}
