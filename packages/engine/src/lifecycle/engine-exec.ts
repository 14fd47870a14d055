import { type Exec, type ExecOptions, type ExecRecord, type ExecResult, UnrotError } from '@unrot/sdk';
import type { Host } from '../host/host.js';
import { outputTail } from './output-tail.js';

export interface EngineExecOptions {
  host: Host;
  vmid: number;
  dryRun: boolean;
  signal: AbortSignal;
  defaultTimeoutMs: number;
  /** False outside apply: a runner that tries to change anything while detecting, checking or planning is stopped. */
  allowChange: boolean;
  onRecord?: (record: ExecRecord) => void;
  /**
   * A command that exited non-zero with output, accepted by its caller or not: the tail of its
   * stdout and stderr (output-tail.ts), for the container's log. A hook or probe that judges the
   * exit code itself is covered too.
   */
  onFailedOutput?: (failed: { argv: readonly string[]; exitCode: number; output: string[] }) => void;
}

/**
 * The only Exec plugins ever get. It enforces dry-run (topgrade style): change()
 * is recorded and not run, whatever the runner does. Exit codes the caller did
 * not accept become coded errors, 126/127 with their own codes.
 */
export function createEngineExec(options: EngineExecOptions): Exec {
  const { host, vmid, dryRun, signal, defaultTimeoutMs, allowChange, onRecord, onFailedOutput } = options;

  const run = async (kind: 'read' | 'change', argv: readonly string[], opts: ExecOptions | undefined): Promise<ExecResult> => {
    if (argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
      throw new UnrotError('E_INTERNAL', 'exec needs a non-empty argv of strings', { argv });
    }
    if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', `aborted before running ${argv[0]}`, { argv });
    const res = await host.exec(vmid, argv, {
      timeoutMs: opts?.timeoutMs ?? defaultTimeoutMs,
      signal,
      ...(opts?.input !== undefined ? { input: opts.input } : {}),
    });
    onRecord?.({ kind, argv, executed: true, exitCode: res.exitCode, durationMs: res.durationMs });
    const ok = opts?.okExitCodes ?? [0];
    const result: ExecResult = {
      argv,
      exitCode: res.exitCode,
      stdout: res.stdout,
      stderr: res.stderr,
      durationMs: res.durationMs,
      dryRun: false,
    };
    const output = res.exitCode === 0 ? [] : outputTail(res.stdout, res.stderr);
    if (output.length > 0) onFailedOutput?.({ argv, exitCode: res.exitCode, output });
    if (ok.includes(res.exitCode)) return result;
    // `output` (both streams' tail) is what the report's error.output shows; `stderr` stays for runners that read it.
    const details = { argv, exitCode: res.exitCode, stderr: res.stderr.slice(-2000), output };
    const summary = res.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
    if (res.exitCode === 127) throw new UnrotError('E_EXEC_NOT_FOUND', `${argv[0]}: not found in CT ${vmid}`, details);
    if (res.exitCode === 126) throw new UnrotError('E_EXEC_NOT_EXECUTABLE', `${argv[0]}: not executable in CT ${vmid}`, details);
    throw new UnrotError(
      'E_EXEC_FAILED',
      `${argv.join(' ')} exited ${res.exitCode} in CT ${vmid}${summary ? `: ${summary}` : ''}`,
      details,
    );
  };

  return {
    dryRun,
    read: (argv, opts) => run('read', argv, opts),
    async change(argv, opts) {
      if (!allowChange) {
        onRecord?.({ kind: 'change', argv, executed: false });
        throw new UnrotError('E_DRY_RUN_VIOLATION', `a changing command was attempted outside apply: ${argv.join(' ')}`, { argv });
      }
      if (dryRun) {
        onRecord?.({ kind: 'change', argv, executed: false });
        return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
      }
      return run('change', argv, opts);
    },
  };
}
