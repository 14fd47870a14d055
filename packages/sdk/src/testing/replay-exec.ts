import { UnrotError } from '../errors.js';
import type { Exec, ExecOptions, ExecRecord, ExecResult } from '../exec.js';

/** A command output captured from a real system, replayed by argv. */
export interface Recording {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr?: string;
}

export interface ReplayExec extends Exec {
  readonly records: ExecRecord[];
}

/**
 * Replays recorded outputs instead of running anything. The same argv recorded
 * several times is served in order (the last one repeats), so a read before and
 * after `apply` can differ. An unknown argv is an error: a runner must not run
 * commands its fixtures do not know.
 */
export function createReplayExec(recordings: readonly Recording[], options: { dryRun?: boolean; signal?: AbortSignal } = {}): ReplayExec {
  const dryRun = options.dryRun ?? false;
  const records: ExecRecord[] = [];
  const served = new Map<string, number>();

  const serve = (argv: readonly string[], opts: ExecOptions | undefined): ExecResult => {
    if (options.signal?.aborted) throw new UnrotError('E_EXEC_ABORTED', `aborted before running ${argv[0]}`, { argv });
    const key = JSON.stringify(argv);
    const matches = recordings.filter((r) => JSON.stringify(r.argv) === key);
    if (matches.length === 0) throw new UnrotError('E_REPLAY_UNKNOWN', `no recording for ${key}`, { argv });
    const index = served.get(key) ?? 0;
    served.set(key, index + 1);
    const rec = matches[Math.min(index, matches.length - 1)] as Recording;
    const ok = opts?.okExitCodes ?? [0];
    const result: ExecResult = { argv, exitCode: rec.exitCode, stdout: rec.stdout, stderr: rec.stderr ?? '', durationMs: 0, dryRun: false };
    if (!ok.includes(rec.exitCode)) {
      throw new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${rec.exitCode}: ${(rec.stderr ?? '').trim().slice(0, 500)}`, {
        argv,
        exitCode: rec.exitCode,
        stderr: rec.stderr ?? '',
      });
    }
    return result;
  };

  return {
    dryRun,
    records,
    async read(argv, opts) {
      records.push({ kind: 'read', argv, executed: true });
      return serve(argv, opts);
    },
    async change(argv, opts) {
      if (dryRun) {
        records.push({ kind: 'change', argv, executed: false });
        return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
      }
      records.push({ kind: 'change', argv, executed: true });
      return serve(argv, opts);
    },
  };
}
