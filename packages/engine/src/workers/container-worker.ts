import { type MessagePort, threadId } from 'node:worker_threads';
import { UnrotError } from '@unrot/sdk';
import pino from 'pino';
import { createApiHost } from '../host/api/host-choice.js';
import type { Host } from '../host/host.js';
import { type HostSpec, pctHostFrom } from '../host/host-spec.js';
import { PortHost } from '../host/port-host.js';
import { type ContainerTask, runContainerPipeline } from '../lifecycle/container-pipeline.js';
import type { ContainerReport } from '../lifecycle/container-result.js';
import type { CapClient } from '../lifecycle/container-task.js';
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

/** A pipeline asks for fleet caps (and gives them back) over its task's port. */
export type CapRequestMessage = { capAcquire: { id: number; keys: string[] } } | { capRelease: { keys: string[] } };
/** The main thread's answer to a capAcquire. */
export type CapReplyMessage = { capGranted: { id: number; waitedMs: number } } | { capRefused: { id: number; message: string } };

/** The worker's Host for a spec: the pct CLIs or the Proxmox API here, or the main thread's Host over the task's port. */
export async function hostFor(spec: HostSpec, port: MessagePort): Promise<Host> {
  if (spec.kind === 'pct') return pctHostFrom(spec);
  if (spec.kind === 'api') return createApiHost(spec);
  return new PortHost(port);
}

/** The pipeline's side of the fleet caps: each acquire is a request to the main thread, answered by a grant. */
function capClient(port: MessagePort): CapClient & { answer(message: unknown): boolean } {
  let next = 0;
  const pending = new Map<number, { resolve: (v: { waitedMs: number }) => void; reject: (e: Error) => void }>();
  return {
    acquire(keys, signal) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        // The request stays with the main thread; the pool gives everything back when the pipeline ends.
        const onAbort = () => reject(new UnrotError('E_EXEC_ABORTED', `waiting for ${keys.join(', ')} was aborted`));
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (v) => {
            signal.removeEventListener('abort', onAbort);
            resolve(v);
          },
          reject: (e) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
          },
        });
        port.postMessage({ capAcquire: { id, keys: [...keys] } } satisfies CapRequestMessage);
      });
    },
    release(keys) {
      port.postMessage({ capRelease: { keys: [...keys] } } satisfies CapRequestMessage);
    },
    answer(message) {
      if (typeof message !== 'object' || message === null) return false;
      const reply = message as CapReplyMessage;
      if ('capGranted' in reply) {
        pending.get(reply.capGranted.id)?.resolve({ waitedMs: reply.capGranted.waitedMs });
        pending.delete(reply.capGranted.id);
        return true;
      }
      if ('capRefused' in reply) {
        pending.get(reply.capRefused.id)?.reject(new UnrotError('E_EXEC_ABORTED', reply.capRefused.message));
        pending.delete(reply.capRefused.id);
        return true;
      }
      return false;
    },
  };
}

/** Piscina entry point: one container's pipeline (a thread may run several side by side). */
export default async function runContainerInWorker({ task, host: spec, port }: WorkerInput): Promise<ContainerReport> {
  const controller = new AbortController();
  const guard: PipelineGuard = { abort: controller };
  let stopRequested: string | undefined;
  const caps = capClient(port);
  port.on('message', (message: unknown) => {
    if (caps.answer(message)) return;
    if (message === 'abort') controller.abort();
    // The run was asked to stop (SIGTERM/SIGINT): end at the next safe point, never mid-step.
    else if (typeof message === 'object' && message !== null && 'stop' in message) stopRequested = String(message.stop);
  });
  port.postMessage({ hello: { threadId } });
  if (task.logFile) preparePrivateFileSync(task.logFile);
  const destination = task.logFile
    ? pino.destination({ dest: task.logFile, sync: true, mkdir: true, minLength: LOG_BUFFER_BYTES })
    : pino.destination({ dest: '/dev/null', sync: true });
  // Lines are buffered (one write per few KB, not one per line), written at least every
  // LOG_FLUSH_MS, and at once from warn up: what explains a failure is on disk before anything else happens.
  const flushTimer = setInterval(() => destination.flushSync(), LOG_FLUSH_MS);
  flushTimer.unref();
  const flushing = {
    write(line: string) {
      const written = destination.write(line);
      if (isWarnOrWorse(line)) destination.flushSync();
      return written;
    },
    flush: (cb?: (error?: Error | null) => void) => destination.flush(cb),
    flushSync: () => destination.flushSync(),
  };
  // Every line is scrubbed of secret values just before it is written (command output included).
  const redacted = redactingDestination(flushing, createRedactor(task.secrets ?? []));
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
        ...(task.capKeys && task.capKeys.length > 0 ? { caps } : {}),
      }),
    );
    // A fault charged to this pipeline: it has settled (aborted); the main thread finishes it by its journal.
    if (guard.crash) {
      log.error({ code: guard.crash.code, err: guard.crash.message }, 'pipeline crashed');
      return { ...report, outcome: 'failed', error: { step: 'pipeline', code: guard.crash.code, message: guard.crash.message } };
    }
    return report;
  } finally {
    clearInterval(flushTimer);
    destination.flushSync();
    // Closes the file: a thread runs many containers and must not keep one descriptor per container.
    destination.end();
    port.close();
  }
}

/** Per-container log buffering (see above). */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 1000;

/** pino lines start `{"level":NN`; warn is 40, error 50, fatal 60. */
function isWarnOrWorse(line: string): boolean {
  return line.startsWith('{"level":') && line.charCodeAt(9) >= 52; // '4'
}
