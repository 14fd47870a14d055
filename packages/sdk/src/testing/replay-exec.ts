import { UnrotError } from '../errors.js';
import type { Exec, ExecOptions, ExecRecord, ExecResult } from '../exec.js';

/**
 * Where in a runner's lifecycle a command ran. `after` is the check the recorder (and the kit)
 * runs once more after apply, to see that what was planned is no longer pending.
 */
export type LifecyclePhase = 'detect' | 'sources' | 'check' | 'plan' | 'apply' | 'after';

/** A command output captured from a real system, replayed by argv. */
export interface Recording {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr?: string;
  /** Set by the recorder when the runner ran this command through change(): it changes the system. */
  change?: boolean;
  /** The lifecycle phase the recorder was in (absent in captures made before the recorder). */
  phase?: LifecyclePhase;
}

/** Something a runner did that the engine's exec would refuse. */
export interface ReplayViolation {
  phase: LifecyclePhase | undefined;
  argv: readonly string[];
  rule: 'change outside apply' | 'changing command through read';
}

/** One command served from the recordings; `repeat` when its recordings were used up and the last one served again. */
export interface ReplayServed {
  phase: LifecyclePhase | undefined;
  kind: 'read' | 'change';
  argv: readonly string[];
  repeat: boolean;
}

export interface ReplayExec extends Exec {
  readonly records: ExecRecord[];
  /**
   * The phase the caller is in. change() is refused (E_DRY_RUN_VIOLATION, as the engine's exec
   * does outside apply) in every phase but `apply`; undefined allows it, for tests that call a
   * single method.
   */
  phase: LifecyclePhase | undefined;
  readonly violations: ReplayViolation[];
  readonly served: ReplayServed[];
}

export interface ReplayExecOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  phase?: LifecyclePhase;
}

/**
 * Replays recorded outputs instead of running anything. The same argv recorded
 * several times is served in order (the last one repeats, marked in `served`), so a read before
 * and after `apply` can differ. An unknown argv is an error: a runner must not run
 * commands its fixtures do not know. A violation is thrown as E_DRY_RUN_VIOLATION and kept in
 * `violations`, so a runner that catches the error is still caught.
 */
export function createReplayExec(recordings: readonly Recording[], options: ReplayExecOptions = {}): ReplayExec {
  const dryRun = options.dryRun ?? false;
  const records: ExecRecord[] = [];
  const violations: ReplayViolation[] = [];
  const served: ReplayServed[] = [];
  const next = new Map<string, number>();
  const keyOf = (argv: readonly string[]) => JSON.stringify(argv);
  const matchesOf = (argv: readonly string[]) => {
    const key = keyOf(argv);
    return recordings.filter((r) => keyOf(r.argv) === key);
  };

  const violate = (argv: readonly string[], rule: ReplayViolation['rule']): never => {
    violations.push({ phase: exec.phase, argv, rule });
    throw new UnrotError(
      'E_DRY_RUN_VIOLATION',
      rule === 'change outside apply'
        ? `a changing command was attempted outside apply (${exec.phase}): ${argv.join(' ')}`
        : `a command recorded as changing was run through read(): ${argv.join(' ')}`,
      { argv },
    );
  };

  const serve = (kind: 'read' | 'change', argv: readonly string[], opts: ExecOptions | undefined): ExecResult => {
    if (options.signal?.aborted) throw new UnrotError('E_EXEC_ABORTED', `aborted before running ${argv[0]}`, { argv });
    const matches = matchesOf(argv);
    if (matches.length === 0) throw new UnrotError('E_REPLAY_UNKNOWN', `no recording for ${keyOf(argv)}`, { argv });
    const key = keyOf(argv);
    const index = next.get(key) ?? 0;
    next.set(key, index + 1);
    served.push({ phase: exec.phase, kind, argv, repeat: index >= matches.length });
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

  const exec: ReplayExec = {
    dryRun,
    records,
    phase: options.phase,
    violations,
    served,
    async read(argv, opts) {
      records.push({ kind: 'read', argv, executed: true });
      // The recorder knows what changes the system: such a command may not hide behind read(), which runs in dry-run too.
      if (matchesOf(argv).some((r) => r.change === true)) violate(argv, 'changing command through read');
      return serve('read', argv, opts);
    },
    async change(argv, opts) {
      if (exec.phase !== undefined && exec.phase !== 'apply') {
        records.push({ kind: 'change', argv, executed: false });
        violate(argv, 'change outside apply');
      }
      if (dryRun) {
        records.push({ kind: 'change', argv, executed: false });
        return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
      }
      records.push({ kind: 'change', argv, executed: true });
      return serve('change', argv, opts);
    },
  };
  return exec;
}
