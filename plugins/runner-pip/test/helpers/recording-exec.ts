import type { Exec, ExecOptions, ExecResult } from '@unrot/sdk';
import type { Recording } from '@unrot/sdk/testing';

export interface RecordingExec extends Exec {
  readonly recordings: Recording[];
}

/** Wraps a real exec and keeps every command's real output, to be stored as contract fixtures. */
export function recordingExec(inner: Exec, options: { forbidChange?: boolean } = {}): RecordingExec {
  const recordings: Recording[] = [];
  const wrap = async (kind: 'read' | 'change', argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> => {
    if (kind === 'change' && options.forbidChange) throw new Error(`test forbids changing commands here: ${argv.join(' ')}`);
    try {
      const res = await inner[kind](argv, opts);
      if (!res.dryRun) recordings.push({ argv: [...argv], exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr });
      return res;
    } catch (error) {
      const details = (error as { details?: { exitCode?: number; stderr?: string } }).details;
      if (typeof details?.exitCode === 'number') {
        recordings.push({ argv: [...argv], exitCode: details.exitCode, stdout: '', stderr: details.stderr ?? '' });
      }
      throw error;
    }
  };
  return {
    get dryRun() {
      return inner.dryRun;
    },
    recordings,
    read: (argv, opts) => wrap('read', argv, opts),
    change: (argv, opts) => wrap('change', argv, opts),
  };
}
