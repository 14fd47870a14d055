/** Runs host tools (argv arrays, never a shell) and collects their output. */
import { spawn } from 'node:child_process';
import { PveError } from './pve-errors.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Pass the child's stdout/stderr straight through (used for task output). */
  inheritOutput?: boolean;
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [
        opts.input === undefined ? 'ignore' : 'pipe',
        opts.inheritOutput ? 'inherit' : 'pipe',
        opts.inheritOutput ? 'inherit' : 'pipe',
      ],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err) => reject(new PveError(`failed to execute '${argv[0]}': ${err.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + signalNumber(signal), stdout, stderr }));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs and throws the tool's stderr (Proxmox run_command style) when it exits non-zero. */
export async function runChecked(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const res = await run(argv, opts);
  if (res.code !== 0) {
    const detail = res.stderr.trim() || res.stdout.trim();
    throw new PveError(`command '${argv.join(' ')}' failed: exit code ${res.code}${detail ? `\n${detail}` : ''}`);
  }
  return res;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

export function signalNumber(signal: NodeJS.Signals | null): number {
  if (!signal) return 0;
  return SIGNALS[signal] ?? 1;
}
