import { spawn } from 'node:child_process';
import { UnrotError } from '@unrot/sdk';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Exit codes that count as success; default [0]. */
  okExitCodes?: readonly number[];
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one argv (never through a shell) and collects its output; a non-ok exit throws E_EXEC_FAILED. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new UnrotError('E_EXEC_SPAWN', 'empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs,
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdin.on('error', () => {}); // a command that ignores stdin may close it early
    child.stdin.end(options.input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new UnrotError('E_EXEC_SPAWN', `${file}: ${error.message}`, { argv }));
    });
    child.on('close', (code, signal) => {
      const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
      if (!(options.okExitCodes ?? [0]).includes(exitCode)) {
        const tail = (stderr.trim() || stdout.trim()).slice(-1500);
        reject(new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${exitCode}: ${tail}`, { argv, exitCode, stderr, signal }));
        return;
      }
      resolve({ exitCode, stdout, stderr });
    });
  });
}
