import { type ChildProcess, spawn } from 'node:child_process';
import { UnrotError } from '@unrot/sdk';

// The per-container locks of one unrot process, held by ONE long-lived `bash` child instead of a
// `flock … cat` child per container: forking the engine (hundreds of MB) once per container was a
// fifth of the main thread's CPU in a fleet run (issue 16). The guarantees are those of
// run-lock.ts: flock(2) on the lock file, granted by the kernel to exactly one contender; the
// keeper holds each lock as an open descriptor, and when unrot dies, even by SIGKILL, its pipe
// closes, `read` fails, bash exits and the kernel drops every lock it held.

/**
 * Constant script: requests arrive on stdin as three lines (op, numeric id, lock file path), read
 * with `read -r` and used only quoted in a redirection: nothing from a request is ever parsed as
 * shell. `flock NUMBER` locks the keeper's own descriptor; the lock lives as long as it stays open.
 * Answers, one line each: `ok ID`, `held ID` (another holder), `error ID WHY`.
 */
export const LOCK_KEEPER_SCRIPT = `
declare -a fds
while IFS= read -r op && IFS= read -r id && IFS= read -r path; do
  case $id in ''|*[!0-9]*) echo "error 0 bad request id"; continue ;; esac
  case $op in
  lock)
    if ! exec {fd}>>"$path"; then echo "error $id cannot open the lock file"; continue; fi
    flock --nonblock --conflict-exit-code 75 "$fd"
    rc=$?
    if [ "$rc" = 0 ]; then fds[id]=$fd; echo "ok $id"
    else exec {fd}>&-; if [ "$rc" = 75 ]; then echo "held $id"; else echo "error $id flock exited $rc"; fi
    fi
    ;;
  unlock)
    if [ -n "\${fds[id]-}" ]; then fd=\${fds[id]}; exec {fd}>&-; unset "fds[id]"; fi
    echo "ok $id"
    ;;
  *) echo "error $id unknown request" ;;
  esac
done
`;

type Answer = { kind: 'ok' | 'held' } | { kind: 'error'; why: string };

/** One keeper child and its pending requests; `lock` resolves true when held, false when another holder has it. */
export class LockKeeper {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private buffered = '';
  private stderr = '';
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();

  /** Takes the lock on `path`: the id to unlock it with, or undefined when another holder has it. */
  async lock(path: string): Promise<number | undefined> {
    if (/[\n\r]/.test(path)) throw new UnrotError('E_INTERNAL', 'a lock file path cannot hold a line break', { path });
    const id = this.nextId++;
    const answer = await this.request(`lock\n${id}\n${path}\n`, id);
    if (answer.kind === 'error') throw new UnrotError('E_INTERNAL', `locking ${path} failed: ${answer.why}`, { path });
    return answer.kind === 'ok' ? id : undefined;
  }

  /** Resolves once the keeper closed the descriptor: the lock is free for others then. */
  async unlock(id: number): Promise<void> {
    await this.request(`unlock\n${id}\n-\n`, id);
  }

  private request(lines: string, id: number): Promise<Answer> {
    const child = this.started();
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // While an answer is awaited the keeper keeps the event loop alive; idle, it never does.
      this.setRef(true);
      child.stdin?.write(lines);
    }).finally(() => {
      if (this.pending.size === 0) this.setRef(false);
    });
  }

  private started(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    // detached: a Ctrl-C to unrot's process group must not drop the locks while unrot finishes in-flight steps.
    const child = spawn('bash', ['-c', LOCK_KEEPER_SCRIPT, 'unrot-lock-keeper'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.buffered = '';
    this.stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.onOutput(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2000);
    });
    const fail = (why: string) => {
      if (this.child === child) this.child = undefined;
      const error = new UnrotError('E_EXEC_SPAWN', `the lock keeper (bash, flock from util-linux) ${why}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    child.on('error', (error: NodeJS.ErrnoException) => fail(`cannot run: ${error.code ?? error.message}`));
    child.on('exit', (code, signal) => fail(`exited (${signal ?? code}): ${this.stderr.trim().slice(0, 300)}`));
    child.stdin?.on('error', () => undefined);
    this.setRef(false);
    return child;
  }

  private onOutput(chunk: string): void {
    this.buffered += chunk;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const m = /^(ok|held|error) (\d+)(?: (.*))?$/.exec(line);
      if (!m) continue;
      const waiter = this.pending.get(Number(m[2]));
      if (!waiter) continue;
      this.pending.delete(Number(m[2]));
      waiter.resolve(m[1] === 'error' ? { kind: 'error', why: m[3] ?? '' } : { kind: m[1] as 'ok' | 'held' });
    }
  }

  private setRef(on: boolean): void {
    const child = this.child;
    if (!child) return;
    for (const s of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>) {
      if (on) s?.ref?.();
      else s?.unref?.();
    }
  }
}
