import { type MessagePort, threadId } from 'node:worker_threads';
import pino from 'pino';
import { PctHost } from '../host/index.js';
import { type ContainerTask, runContainerPipeline } from '../lifecycle/container-pipeline.js';
import type { ContainerReport } from '../lifecycle/container-result.js';
import { loadRunnerModule } from '../plugins/load-runner.js';
import { redactingDestination } from '../secrets/redact-log.js';
import { createRedactor } from '../secrets/redactor.js';
import { guarded, type PipelineGuard } from './pipeline-guard.js';

export interface WorkerInput {
  task: ContainerTask;
  node: string;
  /** Lifecycle events go back to the main thread through this port; 'abort' comes in on it. */
  port: MessagePort;
}

export interface WorkerEventMessage {
  name: string;
  payload: unknown;
}

/** Piscina entry point: one container's pipeline (a thread may run several side by side). */
export default async function runContainerInWorker({ task, node, port }: WorkerInput): Promise<ContainerReport> {
  const controller = new AbortController();
  const guard: PipelineGuard = { abort: controller };
  port.on('message', (message: unknown) => {
    if (message === 'abort') controller.abort();
  });
  port.postMessage({ hello: { threadId } });
  const destination = task.logFile
    ? pino.destination({ dest: task.logFile, sync: true, mkdir: true })
    : pino.destination({ dest: '/dev/null', sync: true });
  // Every line is scrubbed of secret values just before it is written (command output included).
  const redacted = redactingDestination(destination, createRedactor(task.secrets ?? []));
  const log = pino({ base: { runId: task.runId, vmid: task.container.vmid }, timestamp: pino.stdTimeFunctions.isoTime }, redacted);
  try {
    const report = await guarded(guard, () =>
      runContainerPipeline(task, {
        host: new PctHost({ node }),
        loadRunner: (_id, modulePath) => loadRunnerModule(modulePath),
        emit: (name, payload) => port.postMessage({ name, payload } satisfies WorkerEventMessage),
        log,
        signal: controller.signal,
      }),
    );
    // A fault charged to this pipeline: it has settled (aborted); the main thread finishes it by its journal.
    if (guard.crash) {
      log.error({ code: guard.crash.code, err: guard.crash.message }, 'pipeline crashed');
      return { ...report, outcome: 'failed', error: { step: 'pipeline', code: guard.crash.code, message: guard.crash.message } };
    }
    return report;
  } finally {
    destination.flushSync();
    port.close();
  }
}
