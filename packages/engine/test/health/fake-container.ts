import { type Exec, type ExecOptions, type ExecResult, UnrotError } from '@unrot/sdk';
import type { Clock } from '../../src/health/clock.js';

/** One process of the fake container's process table. */
interface Proc {
  cmdline: string;
  comm: string;
  /** Signals it ignores (a process that handles TERM badly). */
  ignores?: string[];
}

export interface FakeCall {
  kind: 'read' | 'change';
  argv: string[];
}

/**
 * A container's process table driven by the commands a restart sends (pgrep, ps, kill, a start
 * command), on a fake clock: `at(ms, fn)` schedules what a supervisor or a crashing app does, so
 * a test states the behaviour and the restart code runs unchanged against it.
 */
export class FakeContainer {
  readonly calls: FakeCall[] = [];
  readonly procs = new Map<number, Proc>();
  readonly pidfiles = new Map<string, number>();
  private nextPid = 200;
  private events: Array<{ at: number; fn: () => void }> = [];
  /** What a start command does; also a hook for any other changing command. */
  onChange: (argv: string[]) => { exitCode: number; stderr?: string } | undefined = () => undefined;
  /** Answers for reads the process table does not know (docker compose …). */
  onRead: (argv: string[]) => { exitCode: number; stdout: string } | undefined = () => undefined;
  /** Called when a process dies of a signal (a supervisor reacts here). */
  onExit: (pid: number, proc: Proc) => void = () => undefined;

  constructor(readonly clock: Clock & { sleeps: number[] }) {}

  spawn(cmdline: string, opts: { pid?: number; ignores?: string[] } = {}): number {
    const pid = opts.pid ?? this.nextPid++;
    const comm = (cmdline.split(' ')[0] ?? '').split('/').pop()?.slice(0, 15) ?? '';
    this.procs.set(pid, { cmdline, comm, ...(opts.ignores ? { ignores: opts.ignores } : {}) });
    return pid;
  }

  at(delayMs: number, fn: () => void): void {
    this.events.push({ at: this.clock.now() + delayMs, fn });
  }

  private tick(): void {
    for (;;) {
      const due = this.events.filter((e) => e.at <= this.clock.now()).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.events = this.events.filter((e) => e !== due);
      due.fn();
    }
  }

  kill(pid: number): void {
    const proc = this.procs.get(pid);
    if (!proc) return;
    this.procs.delete(pid);
    this.onExit(pid, proc);
  }

  private answer(kind: 'read' | 'change', argv: string[]): { exitCode: number; stdout: string; stderr: string } {
    const [cmd, ...args] = argv;
    if (kind === 'read' && cmd === 'pgrep') {
      let pids: number[] = [];
      if (args[0] === '-F') {
        const pid = this.pidfiles.get(args[1] ?? '');
        pids = pid !== undefined && this.procs.has(pid) ? [pid] : [];
      } else if (args[0] === '-f' && args[1] === '--') {
        const re = new RegExp(args[2] ?? '');
        pids = [...this.procs].filter(([, p]) => re.test(p.cmdline)).map(([pid]) => pid);
      } else if (args[0] === '-x' && args[1] === '--') {
        pids = [...this.procs].filter(([, p]) => p.comm === args[2]).map(([pid]) => pid);
      }
      return { exitCode: pids.length > 0 ? 0 : 1, stdout: pids.map((p) => `${p}\n`).join(''), stderr: '' };
    }
    if (kind === 'read' && cmd === 'ps' && args[0] === '-o' && args[1] === 'pid=,stat=' && args[2] === '-p') {
      const pids = (args[3] ?? '').split(',').map(Number);
      const live = pids.filter((p) => this.procs.has(p));
      return { exitCode: live.length > 0 ? 0 : 1, stdout: live.map((p) => `${String(p).padStart(7)} Sl\n`).join(''), stderr: '' };
    }
    if (kind === 'change' && cmd === 'kill' && args[0] === '-s') {
      const sig = args[1] ?? '';
      let missing = false;
      for (const pid of args.slice(2).map(Number)) {
        const proc = this.procs.get(pid);
        if (!proc) missing = true;
        else if (sig === 'KILL' || !proc.ignores?.includes(sig)) this.kill(pid);
      }
      return { exitCode: missing ? 1 : 0, stdout: '', stderr: missing ? 'kill: No such process' : '' };
    }
    if (kind === 'change') {
      const r = this.onChange(argv);
      if (r) return { exitCode: r.exitCode, stdout: '', stderr: r.stderr ?? '' };
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    const r = this.onRead(argv);
    if (r) return { ...r, stderr: '' };
    throw new Error(`the fake container does not know ${argv.join(' ')}`);
  }

  exec(): Exec {
    const run = async (kind: 'read' | 'change', argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> => {
      this.tick();
      this.calls.push({ kind, argv: [...argv] });
      const r = this.answer(kind, [...argv]);
      const result: ExecResult = { argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: 1, dryRun: false };
      if (!(opts?.okExitCodes ?? [0]).includes(r.exitCode))
        throw new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${r.exitCode}: ${r.stderr}`, { argv, exitCode: r.exitCode });
      return result;
    };
    return { dryRun: false, read: (argv, opts) => run('read', argv, opts), change: (argv, opts) => run('change', argv, opts) };
  }

  /** Commands as `kind: argv`, for asserting the order. */
  trace(): string[] {
    return this.calls.map((c) => `${c.kind}: ${c.argv.join(' ')}`);
  }
}

/** Runs one restart and captures what it reported through onResult and the error it threw, if any. */
export async function captureRestart<R>(run: (onResult: (r: R) => void) => Promise<void>): Promise<{ result: R; error?: UnrotError }> {
  let result: R | undefined;
  const error = await run((r) => {
    result = r;
  }).then(
    () => undefined,
    (e: unknown) => e as UnrotError,
  );
  if (result === undefined) throw new Error('onResult was not called');
  return { result, ...(error ? { error } : {}) };
}
