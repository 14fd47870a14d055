import { type MessagePort, threadId } from 'node:worker_threads';
import pino from 'pino';
import { createApiHost } from '../host/api/host-choice.js';
import type { Host } from '../host/host.js';
import { type HostSpec, pctHostFrom } from '../host/host-spec.js';
import { PortHost } from '../host/port-host.js';
import { type ContainerTask, runContainerPipeline } from '../lifecycle/container-pipeline.js';
import type { ContainerReport } from '../lifecycle/container-result.js';
import { loadRunnerModule } from '../plugins/load-runner.js';
import { preparePrivateFileSync } from '../safety/trusted-dir.js';
import { redactingDestination } from '../secrets/redact-log.js';
import { createRedactor } from '../secrets/redactor.js';
import { guarded, type PipelineGuard } from './pipeline-guard.js';

export interface WorkerInput {
  task: ContainerTask;
  /** The host this pipeline talks to, as data (see host/host-spec.ts). */
  host: HostSpec;
  /** Lifecycle events go back to the main thread through this port; 'abort' comes in on it, and a main-thread host's calls go over it. */
  port: MessagePort;
}

export interface WorkerEventMessage {
  name: string;
  payload: unknown;
}

/** The worker's Host for a spec: the pct CLIs or the Proxmox API here, or the main thread's Host over the task's port. */
export async function hostFor(spec: HostSpec, port: MessagePort): Promise<Host> {
  if (spec.kind === 'pct') return pctHostFrom(spec);
  if (spec.kind === 'api') return createApiHost(spec);
  return new PortHost(port);
}

/** Piscina entry point: one container's pipeline (a thread may run several side by side). */
export default async function runContainerInWorker({ task, host: spec, port }: WorkerInput): Promise<ContainerReport> {
  const controller = new AbortController();
  const guard: PipelineGuard = { abort: controller };
  let stopRequested: string | undefined;
  port.on('message', (message: unknown) => {
    if (message === 'abort') controller.abort();
    // The run was asked to stop (SIGTERM/SIGINT): end at the next safe point, never mid-step.
    else if (typeof message === 'object' && message !== null && 'stop' in message) stopRequested = String(message.stop);
  });
  port.postMessage({ hello: { threadId } });
  if (task.logFile) preparePrivateFileSync(task.logFile);
  const destination = task.logFile
    ? pino.destination({ dest: task.logFile, sync: true, mkdir: true })
    : pino.destination({ dest: '/dev/null', sync: true });
  // Every line is scrubbed of secret values just before it is written (command output included).
  const redacted = redactingDestination(destination, createRedactor(task.secrets ?? []));
  const log = pino({ base: { runId: task.runId, vmid: task.container.vmid }, timestamp: pino.stdTimeFunctions.isoTime }, redacted);
  try {
    const report = await guarded(guard, async () =>
      runContainerPipeline(task, {
        host: await hostFor(spec, port),
        loadRunner: (_id, modulePath) => loadRunnerModule(modulePath),
        emit: (name, payload) => port.postMessage({ name, payload } satisfies WorkerEventMessage),
        log,
        signal: controller.signal,
        stopRequested: () => stopRequested,
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
