import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type ErrorCode, UnrotError } from '@unrot/sdk';
import type { RunToolOptions, RunToolResult } from '../run-tool.js';
import type { SpawnerReply, SpawnerRequest } from './spawner-protocol.js';

interface Call {
  file: string;
  argv: readonly string[];
  pid?: number;
  resolve: (result: RunToolResult) => void;
  reject: (error: Error) => void;
}

/** spawner-main.js next to this module; from the TypeScript sources (tests) its build in dist/. */
function spawnerScript(): string {
  const here = fileURLToPath(new URL('./spawner-main.js', import.meta.url));
  if (existsSync(here)) return here;
  return here.replace(/\/src\/host\/spawner\/spawner-main\.js$/, '/dist/host/spawner/spawner-main.js');
}

/**
 * One spawner process (spawner-main.ts) and the calls in flight in it. It holds no reference on
 * the event loop while idle, so it never keeps the engine (or a worker thread) alive.
 */
class Spawner {
  readonly child: ChildProcess;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  private buffered = '';
  private stderrTail = '';
  exited = false;

  constructor() {
    // An empty environment: the spawner needs none, and each tool gets exactly its own (RunToolOptions.env).
    // Its own process group, as every host tool has: a terminal's Ctrl-C meant for unrot must not
    // kill the spawner, since the calls in flight finish on a graceful stop (docs/failure-matrix.md).
    this.child = spawn(process.execPath, [spawnerScript()], { cwd: '/', env: {}, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin?.on('error', () => {}); // EPIPE after a crash: the 'exit' handler reports it.
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => this.onData(chunk));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    this.child.on('error', (error) => this.fail(`could not be started: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    this.child.on('exit', (code, signal) => this.fail(`exited (${signal ?? `code ${code}`})`));
    this.idle();
  }

  run(argv: readonly string[], options: RunToolOptions): Promise<RunToolResult> {
    const id = this.nextId++;
    const { env, timeoutMs, input, maxOutputBytes, killGraceMs, drainMs, signal } = options;
    const request: SpawnerRequest = { id, argv: [...argv], env, timeoutMs, maxOutputBytes, killGraceMs, drainMs };
    if (input !== undefined) request.input = input;
    return new Promise<RunToolResult>((resolve, reject) => {
      const onAbort = () => this.send({ id, abort: true });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.calls.set(id, {
        file: argv[0] ?? '',
        argv,
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      if (this.calls.size === 1) this.busy();
      this.send(request);
    });
  }

  private send(message: SpawnerRequest): void {
    if (!this.exited) this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      newline = this.buffered.indexOf('\n');
      this.onReply(JSON.parse(line) as SpawnerReply);
    }
  }

  private onReply(message: SpawnerReply): void {
    const call = this.calls.get(message.id);
    if (!call) return;
    if ('pid' in message) {
      call.pid = message.pid;
      return;
    }
    this.calls.delete(message.id);
    if (this.calls.size === 0) this.idle();
    if ('result' in message) call.resolve(message.result);
    else call.reject(new UnrotError(message.error.code as ErrorCode, message.error.message, message.error.details ?? {}));
  }

  /**
   * The spawner is gone: every call in it fails with E_EXEC_SPAWN, and the process group of each
   * tool it had started is killed, since no one is left to enforce its timeout or read its
   * output. The next call starts a new spawner.
   */
  private fail(what: string): void {
    if (this.exited) return;
    this.exited = true;
    if (current === this) current = undefined;
    const stderr = this.stderrTail.trim();
    for (const call of this.calls.values()) {
      if (call.pid !== undefined) {
        try {
          process.kill(-call.pid, 'SIGKILL');
        } catch {
          // ESRCH: the group already ended.
        }
      }
      const fate = call.pid === undefined ? 'it may not have started' : `its process group ${call.pid} was killed`;
      call.reject(
        new UnrotError(
          'E_EXEC_SPAWN',
          `unrot's spawner process ${what} while running ${call.file}; ${fate}${stderr ? `: ${stderr.slice(-500)}` : ''}`,
          {
            argv: call.argv,
            ...(call.pid === undefined ? {} : { pid: call.pid }),
          },
        ),
      );
    }
    this.calls.clear();
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdout as Socket | null)?.ref();
    (this.child.stderr as Socket | null)?.ref();
  }

  private idle(): void {
    this.child.unref();
    (this.child.stdout as Socket | null)?.unref();
    (this.child.stderr as Socket | null)?.unref();
    (this.child.stdin as Socket | null)?.unref();
  }
}

let current: Spawner | undefined;

/** The spawner of this thread (started on first use, and again after it died); for tests. */
export function currentSpawner(): ChildProcess | undefined {
  return current?.child;
}

/**
 * runTool, but the fork happens in this thread's spawner process instead of here. Same
 * contract: resolves for every exit code; throws E_EXEC_TIMEOUT, E_EXEC_ABORTED or
 * E_EXEC_SPAWN (also when the spawner died during the call).
 */
export async function runToolInSpawner(argv: readonly string[], options: RunToolOptions): Promise<RunToolResult> {
  const file = argv[0];
  if (file === undefined) throw new UnrotError('E_EXEC_SPAWN', 'empty argv', { argv });
  if (options.signal?.aborted) throw new UnrotError('E_EXEC_ABORTED', `aborted before running ${file}`, { argv });
  current ??= new Spawner();
  return current.run(argv, options);
}
