import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { UnrotError } from '@unrot/sdk';
import { Piscina } from 'piscina';
import type { ContainerTask } from '../lifecycle/container-pipeline.js';
import type { ContainerReport } from '../lifecycle/container-result.js';
import type { WorkerEventMessage, WorkerInput } from './container-worker.js';

export interface PoolOptions {
  maxConcurrency: number;
  node: string;
  onEvent: (message: WorkerEventMessage) => void;
  /** After the deadline's abort, how long a pipeline may take to stop before its thread is terminated. */
  abortGraceMs?: number;
  /** Overrides threadsFor(maxConcurrency) (tests). */
  threads?: number;
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

  constructor(private readonly options: PoolOptions) {
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

  async run(task: ContainerTask, deadlineMs: number): Promise<ContainerReport> {
    const channel = new MessageChannel();
    let threadId: number | undefined;
    channel.port1.on('message', (message: WorkerEventMessage | WorkerHelloMessage) => {
      if ('hello' in message) threadId = message.hello.threadId;
      else this.options.onEvent(message);
    });
    let timedOut = false;
    let graceTimer: NodeJS.Timeout | undefined;
    // The worker's own step timeouts end a container first; this deadline is max_runtime.container
    // or a pipeline that stopped responding.
    const timer = setTimeout(() => {
      timedOut = true;
      channel.port1.postMessage('abort');
      graceTimer = setTimeout(() => {
        const thread = this.piscina.threads.find((w) => w.threadId === threadId);
        void thread?.terminate();
      }, this.graceMs);
    }, deadlineMs);
    const input: WorkerInput = { task, node: this.options.node, port: channel.port2 };
    const started = Date.now();
    const failed = (code: 'E_STEP_TIMEOUT' | 'E_WORKER_CRASHED', message: string): ContainerReport => ({
      vmid: task.container.vmid,
      name: task.container.name,
      status: task.container.status,
      unprivileged: task.container.unprivileged,
      tags: task.container.tags,
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
      channel.port1.close();
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
