import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { UnrotError } from '@unrot/sdk';
import { Piscina } from 'piscina';
import type { FleetCaps } from '../fleet/caps.js';
import { stopDetail } from '../fleet/stop-request.js';
import type { Host } from '../host/host.js';
import type { HostSpec } from '../host/host-spec.js';
import { type HostServer, serveHost } from '../host/port-host.js';
import type { ContainerReport } from '../lifecycle/container-result.js';
import type { ContainerTask } from '../lifecycle/container-task.js';
import { containerHeader } from '../report/container-header.js';
import type { CapReplyMessage, CapRequestMessage, WorkerEventMessage, WorkerInput } from './container-worker.js';

export interface PoolOptions {
  maxConcurrency: number;
  /** Sent to every worker, which builds its Host from it. */
  hostSpec: HostSpec;
  /** The Host a `main-thread` spec forwards to (RunOptions.host). */
  host?: Host;
  onEvent: (message: WorkerEventMessage) => void;
  /** After the deadline's abort, how long a pipeline may take to stop before its thread is terminated. */
  abortGraceMs?: number;
  /** Overrides threadsFor(maxConcurrency) (tests). */
  threads?: number;
  /** The fleet-wide caps (global `concurrency:`) every pipeline asks over its port. */
  caps?: FleetCaps;
  /** A container started or ended a wait for a cap (host.jsonl). */
  onCapWait?: (vmid: number, keys: readonly string[], waitedMs: number | undefined) => void;
}

/** Sent by the worker when it starts a task, so a stuck thread can be found and terminated. */
export interface WorkerHelloMessage {
  hello: { threadId: number };
}

export const DEFAULT_ABORT_GRACE_MS = 15_000;

/**
 * Threads for a concurrency: pipelines wait on host tools almost all the time, so a few threads
 * carry many of them. Each thread is a V8 isolate (tens of MB, and every process spawned from a
 * larger engine costs more to fork), so there are at most as many threads as cores, but at least
 * two: with max_concurrency 2 (the default) every container still has a thread of its own.
 */
export function threadsFor(maxConcurrency: number, cores = availableParallelism()): number {
  return Math.min(maxConcurrency, Math.max(2, cores));
}

/**
 * Runs container pipelines in worker threads, at most maxConcurrency at once. At the container
 * deadline the pipeline is aborted (its step ends, its `pct exec` is killed) and the caller
 * finishes the container by the journal's rules; a thread that does not let go within the grace
 * (a plugin blocking its event loop) is terminated, failing every pipeline on it (E_WORKER_CRASHED),
 * which the caller finishes the same way. The other threads carry on.
 */
export class ContainerPool {
  private readonly piscina: Piscina;
  private readonly graceMs: number;
  private readonly mainThreadHost: Host | undefined;

  constructor(private readonly options: PoolOptions) {
    if (options.hostSpec.kind === 'main-thread' && !options.host) {
      throw new UnrotError('E_INTERNAL', 'a main-thread host spec needs the Host object it forwards to');
    }
    this.mainThreadHost = options.hostSpec.kind === 'main-thread' ? options.host : undefined;
    const threads = Math.min(options.maxConcurrency, options.threads ?? threadsFor(options.maxConcurrency));
    this.graceMs = options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
    this.piscina = new Piscina({
      filename: new URL('./container-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      concurrentTasksPerWorker: Math.ceil(options.maxConcurrency / threads),
      // Several pipelines share a thread, so its event loop must stay free between them.
      atomics: 'disabled',
      idleTimeout: 1000,
      // A small young generation keeps each isolate (and so every fork of the engine) small;
      // pipelines allocate little and briefly.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  }

  /** `stop`: the run's graceful stop (SIGTERM/SIGINT); its reason is passed on so the pipeline ends at its next safe point. */
  async run(task: ContainerTask, deadlineMs: number, stop?: AbortSignal): Promise<ContainerReport> {
    const channel = new MessageChannel();
    const tellStop = () => channel.port1.postMessage({ stop: stopDetail(stop) });
    if (stop?.aborted) tellStop();
    else stop?.addEventListener('abort', tellStop, { once: true });
    let threadId: number | undefined;
    const server: HostServer | undefined = this.mainThreadHost ? serveHost(this.mainThreadHost, channel.port1) : undefined;
    channel.port1.on('message', (message: WorkerEventMessage | WorkerHelloMessage | CapRequestMessage) => {
      if (server?.handle(message)) return;
      if ('hello' in message) threadId = message.hello.threadId;
      else if ('capAcquire' in message || 'capRelease' in message) onCapMessage(message);
      else this.options.onEvent(message);
    });
    let timedOut = false;
    let graceTimer: NodeJS.Timeout | undefined;
    // The worker's own step timeouts end a container first; this deadline is max_runtime.container
    // or a pipeline that stopped responding. It does not run while the pipeline waits for a fleet
    // cap: that is a queue, like waiting for a pool slot, not the container's work.
    let remainingMs = deadlineMs;
    let armedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      armedAt = Date.now();
      timer = setTimeout(() => {
        timedOut = true;
        channel.port1.postMessage('abort');
        graceTimer = setTimeout(() => {
          const thread = this.piscina.threads.find((w) => w.threadId === threadId);
          void thread?.terminate();
        }, this.graceMs);
      }, remainingMs);
    };
    const pause = () => {
      clearTimeout(timer);
      remainingMs = Math.max(0, remainingMs - (Date.now() - armedAt));
    };
    arm();
    const holder = `ct-${task.container.vmid}-${task.runId}`;
    const onCapMessage = (message: CapRequestMessage): void => {
      const caps = this.options.caps;
      if ('capRelease' in message) {
        caps?.release(holder, message.capRelease.keys);
        return;
      }
      const { id, keys } = message.capAcquire;
      if (!caps) {
        channel.port1.postMessage({ capGranted: { id, waitedMs: 0 } } satisfies CapReplyMessage);
        return;
      }
      pause();
      const granted = caps.acquire(holder, keys);
      // Said when the grant did not come at once (acquire grants synchronously when it can).
      if (caps.isWaiting(holder)) this.options.onCapWait?.(task.container.vmid, keys, undefined);
      granted.then(
        (grant) => {
          if (!timedOut) arm();
          if (grant.waitedMs > 0) this.options.onCapWait?.(task.container.vmid, keys, grant.waitedMs);
          channel.port1.postMessage({ capGranted: { id, waitedMs: grant.waitedMs } } satisfies CapReplyMessage);
        },
        (error: Error) => {
          channel.port1.postMessage({ capRefused: { id, message: error.message } } satisfies CapReplyMessage);
        },
      );
    };
    const input: WorkerInput = { task, host: this.options.hostSpec, port: channel.port2 };
    const started = Date.now();
    const failed = (code: 'E_STEP_TIMEOUT' | 'E_WORKER_CRASHED', message: string): ContainerReport => ({
      ...containerHeader(task.container),
      outcome: 'failed',
      error: { step: 'pipeline', code, message: new UnrotError(code, message).message },
      runners: [],
      changingCommands: 0,
      durationMs: Date.now() - started,
      ...(task.logFile ? { logFile: task.logFile } : {}),
    });
    const deadlineMessage = `CT ${task.container.vmid}: the container exceeded its deadline of ${Math.round(deadlineMs / 1000)} s and was stopped`;
    try {
      const report = (await this.piscina.run(input, { transferList: [channel.port2] })) as ContainerReport;
      if (!timedOut) return report;
      // Aborted at the deadline: whatever the pipeline reported, the caller finishes it by the journal.
      return { ...report, outcome: 'failed', error: { step: 'pipeline', code: 'E_STEP_TIMEOUT', message: deadlineMessage } };
    } catch (error) {
      if (timedOut) return failed('E_STEP_TIMEOUT', deadlineMessage);
      return failed('E_WORKER_CRASHED', `CT ${task.container.vmid}: worker died: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      // A pipeline that ended (or whose thread died) holding or awaiting caps gives them back.
      this.options.caps?.releaseAll(holder);
      stop?.removeEventListener('abort', tellStop);
      server?.close();
      channel.port1.close();
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
