import { spawn } from 'node:child_process';
import { UnrotError } from '../errors.js';
import type { Exec, ExecOptions, ExecRecord, ExecResult } from '../exec.js';

export interface LocalExec extends Exec {
  readonly records: ExecRecord[];
}

export interface LocalExecOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Put in front of every argv, to run inside a root or a container the way the engine's
   * `pct exec VMID --` does: `['chroot', '/var/tmp/root']`, `['pct', 'exec', '101', '--']`.
   * Results and records carry the runner's argv, without the prefix.
   */
  prefix?: readonly string[];
}

/**
 * Runs argv on this machine (no shell), for testing a plugin against a real package
 * manager outside a container. Same read/change split and dry-run rule as the engine's exec.
 */
export function createLocalExec(options: LocalExecOptions = {}): LocalExec {
  const dryRun = options.dryRun ?? false;
  const records: ExecRecord[] = [];

  const run = (argv: readonly string[], opts: ExecOptions | undefined): Promise<ExecResult> =>
    new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new UnrotError('E_EXEC_ABORTED', `aborted before running ${argv[0]}`, { argv }));
        return;
      }
      const started = Date.now();
      const [file, ...args] = [...(options.prefix ?? []), ...argv];
      if (argv.length === 0 || file === undefined) {
        reject(new UnrotError('E_EXEC_SPAWN', 'empty argv'));
        return;
      }
      const child = spawn(file, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        signal: options.signal,
        timeout: opts?.timeoutMs,
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
      if (opts?.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.name === 'AbortError') reject(new UnrotError('E_EXEC_ABORTED', `${file} was aborted`, { argv }));
        else if (error.code === 'ENOENT')
          resolve({ argv, exitCode: 127, stdout, stderr: `${stderr}${error.message}`, durationMs: Date.now() - started, dryRun: false });
        else reject(new UnrotError('E_EXEC_SPAWN', error.message, { argv }));
      });
      child.on('close', (code, signal) => {
        if (signal === 'SIGTERM' && opts?.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs) {
          reject(new UnrotError('E_EXEC_TIMEOUT', `${file} exceeded ${opts.timeoutMs} ms`, { argv }));
          return;
        }
        const exitCode = code ?? 128 + 15;
        const ok = opts?.okExitCodes ?? [0];
        const result: ExecResult = { argv, exitCode, stdout, stderr, durationMs: Date.now() - started, dryRun: false };
        if (!ok.includes(exitCode)) {
          reject(
            new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${exitCode}: ${stderr.trim().slice(0, 500)}`, {
              argv,
              exitCode,
              stderr,
            }),
          );
        } else resolve(result);
      });
    });

  return {
    dryRun,
    records,
    async read(argv, opts) {
      records.push({ kind: 'read', argv, executed: true });
      return run(argv, opts);
    },
    async change(argv, opts) {
      if (dryRun) {
        records.push({ kind: 'change', argv, executed: false });
        return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
      }
      records.push({ kind: 'change', argv, executed: true });
      return run(argv, opts);
    },
  };
}
