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
}

/**
 * Runs container pipelines in worker threads, at most maxConcurrency at once.
 * A worker that crashes or outlives its container deadline is terminated and
 * reported as a failed container; the other containers carry on.
 */
export class ContainerPool {
  private readonly piscina: Piscina;

  constructor(private readonly options: PoolOptions) {
    this.piscina = new Piscina({
      filename: new URL('./container-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: options.maxConcurrency,
      concurrentTasksPerWorker: 1,
      idleTimeout: 1000,
    });
  }

  async run(task: ContainerTask, deadlineMs: number): Promise<ContainerReport> {
    const channel = new MessageChannel();
    channel.port1.on('message', (message: WorkerEventMessage) => this.options.onEvent(message));
    const hardStop = new AbortController();
    // The worker's own step timeouts end a container first; this deadline is for a thread that stopped responding.
    const timer = setTimeout(() => hardStop.abort(), deadlineMs);
    const input: WorkerInput = { task, node: this.options.node, port: channel.port2 };
    const started = Date.now();
    try {
      return (await this.piscina.run(input, { transferList: [channel.port2], signal: hardStop.signal })) as ContainerReport;
    } catch (error) {
      const timedOut = hardStop.signal.aborted;
      const code = timedOut ? 'E_STEP_TIMEOUT' : 'E_WORKER_CRASHED';
      const message = timedOut
        ? `CT ${task.container.vmid}: the worker exceeded the container deadline of ${Math.round(deadlineMs / 1000)} s and was terminated`
        : `CT ${task.container.vmid}: worker died: ${(error as Error).message}`;
      const failure = new UnrotError(code, message);
      return {
        vmid: task.container.vmid,
        name: task.container.name,
        status: task.container.status,
        unprivileged: task.container.unprivileged,
        tags: task.container.tags,
        outcome: 'failed',
        error: { step: 'pipeline', code: failure.code, message: failure.message },
        runners: [],
        changingCommands: 0,
        durationMs: Date.now() - started,
        ...(task.logFile ? { logFile: task.logFile } : {}),
      };
    } finally {
      clearTimeout(timer);
      channel.port1.close();
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
