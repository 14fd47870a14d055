import type { MessagePort } from 'node:worker_threads';
import { type ContainerInfo, type ErrorCode, UnrotError } from '@unrot/sdk';
import type { ContainerConfig, Host, HostExecOptions, HostExecResult, VzdumpOptions } from './host.js';
import type { SnapshotTreeEntry } from './parse-listsnapshot.js';
import type { PvesmStorage } from './parse-pvesm-status.js';
import { pctExecArgv, pctSnapshotArgv, vzdumpArgv } from './pct-host.js';

// A Host object lives in one thread; a container pipeline runs in a worker thread. For a
// `main-thread` host spec the worker's Host is a PortHost: every call goes over the task's
// MessagePort to serveHost on the main thread, which runs it on the real object. Abort signals
// cross as cancel messages, errors come back with their code and details.

/**
 * The Host methods that do something (the argv builders are pure and answered in the worker;
 * listedReading is the main thread's, which hands it to the task; currentNode is the worker's own host's).
 */
type AsyncMethod = Exclude<keyof Host, 'execArgv' | 'snapshotArgv' | 'vzdumpArgv' | 'listedReading' | 'currentNode'>;

/** Where each method takes its AbortSignal: an argument index, or `options.signal` of exec. */
const SIGNAL_AT: Record<AsyncMethod, number | 'exec-options'> = {
  listContainers: 0,
  readConfig: 1,
  storageStatus: 0,
  status: 1,
  exec: 'exec-options',
  listSnapshots: 1,
  snapshot: 4,
  deleteSnapshot: 3,
  rollback: 4,
  setRunning: 3,
  vzdump: 3,
  restore: 4,
};

interface SerializedError {
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

export type HostPortMessage =
  | { hostCall: { id: number; method: AsyncMethod; args: unknown[] } }
  | { hostCancel: number }
  | { hostReply: { id: number; value?: unknown; error?: SerializedError } };

function isHostMessage(message: unknown): message is HostPortMessage {
  return typeof message === 'object' && message !== null && ('hostCall' in message || 'hostCancel' in message || 'hostReply' in message);
}

/** The worker side: a Host whose every call runs on the main thread's Host (see serveHost). */
export class PortHost implements Host {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (message: unknown) => {
      if (!isHostMessage(message) || !('hostReply' in message)) return;
      const { id, value, error } = message.hostReply;
      const call = this.pending.get(id);
      if (!call) return;
      this.pending.delete(id);
      if (error) call.reject(deserializeError(error));
      else call.resolve(value);
    });
    port.on('close', () => {
      for (const call of this.pending.values()) call.reject(new UnrotError('E_EXEC_ABORTED', 'the host connection closed'));
      this.pending.clear();
    });
  }

  execArgv(vmid: number, argv: readonly string[]): string[] {
    return pctExecArgv(vmid, argv);
  }

  snapshotArgv(vmid: number, name: string, description: string): string[] {
    return pctSnapshotArgv(vmid, name, description);
  }

  vzdumpArgv(vmid: number, options: VzdumpOptions): string[] {
    return vzdumpArgv(vmid, options);
  }

  listContainers(signal?: AbortSignal): Promise<ContainerInfo[]> {
    return this.call('listContainers', [signal]);
  }
  readConfig(vmid: number, signal?: AbortSignal): Promise<ContainerConfig> {
    return this.call('readConfig', [vmid, signal]);
  }
  storageStatus(signal?: AbortSignal): Promise<PvesmStorage[]> {
    return this.call('storageStatus', [signal]);
  }
  status(vmid: number, signal?: AbortSignal): Promise<'running' | 'stopped' | 'unknown'> {
    return this.call('status', [vmid, signal]);
  }
  exec(vmid: number, argv: readonly string[], options: HostExecOptions): Promise<HostExecResult> {
    return this.call('exec', [vmid, argv, options]);
  }
  listSnapshots(vmid: number, signal?: AbortSignal): Promise<SnapshotTreeEntry[]> {
    return this.call('listSnapshots', [vmid, signal]);
  }
  snapshot(vmid: number, name: string, description: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.call('snapshot', [vmid, name, description, timeoutMs, signal]);
  }
  deleteSnapshot(vmid: number, name: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.call('deleteSnapshot', [vmid, name, timeoutMs, signal]);
  }
  rollback(vmid: number, name: string, start: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.call('rollback', [vmid, name, start, timeoutMs, signal]);
  }
  setRunning(vmid: number, running: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.call('setRunning', [vmid, running, timeoutMs, signal]);
  }
  vzdump(vmid: number, options: VzdumpOptions, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    return this.call('vzdump', [vmid, options, timeoutMs, signal]);
  }
  restore(vmid: number, archive: string, storage: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.call('restore', [vmid, archive, storage, timeoutMs, signal]);
  }

  /** Sends the call without its signal (not cloneable); an abort becomes a cancel message. */
  private call<T>(method: AsyncMethod, args: unknown[]): Promise<T> {
    const id = this.nextId++;
    const at = SIGNAL_AT[method];
    let signal: AbortSignal | undefined;
    const sent = [...args];
    if (at === 'exec-options') {
      const { signal: s, ...options } = args[2] as HostExecOptions;
      signal = s;
      sent[2] = options;
    } else {
      signal = args[at] as AbortSignal | undefined;
      sent[at] = undefined;
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => this.port.postMessage({ hostCancel: id } satisfies HostPortMessage);
      this.pending.set(id, {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value as T);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.port.postMessage({ hostCall: { id, method, args: sent } } satisfies HostPortMessage);
      // The main thread's host sees the abort as its own signal does, and answers with its own error.
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The main-thread side of one worker task's port: runs PortHost calls on `host`. */
export interface HostServer {
  /** Handles a host message; false for any other message (lifecycle events, hello). */
  handle(message: unknown): boolean;
  /** Aborts the calls still running (the task ended or its thread was terminated). */
  close(): void;
}

export function serveHost(host: Host, port: MessagePort): HostServer {
  const running = new Map<number, AbortController>();
  const reply = (id: number, body: { value?: unknown; error?: SerializedError }) => {
    if (!running.delete(id)) return;
    try {
      port.postMessage({ hostReply: { id, ...body } } satisfies HostPortMessage);
    } catch (error) {
      // A value or error detail that cannot be cloned: the caller still gets a coded error.
      port.postMessage({ hostReply: { id, error: { code: 'E_INTERNAL', message: `host reply not transferable: ${String(error)}` } } });
    }
  };
  return {
    handle(message) {
      if (!isHostMessage(message)) return false;
      if ('hostCancel' in message) running.get(message.hostCancel)?.abort();
      if ('hostCall' in message) {
        const { id, method, args } = message.hostCall;
        const controller = new AbortController();
        running.set(id, controller);
        const at = SIGNAL_AT[method];
        const callArgs = [...args];
        if (at === 'exec-options') callArgs[2] = { ...(callArgs[2] as HostExecOptions), signal: controller.signal };
        else callArgs[at] = controller.signal;
        const fn = host[method] as (...a: unknown[]) => Promise<unknown>;
        Promise.resolve()
          .then(() => fn.apply(host, callArgs))
          .then(
            (value) => reply(id, { value }),
            (error: unknown) => reply(id, { error: serializeError(error) }),
          );
      }
      return true;
    },
    close() {
      for (const controller of running.values()) controller.abort();
      running.clear();
    },
  };
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const { code, details } = error as { code?: unknown; details?: unknown };
    return {
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(details && typeof details === 'object' ? { details: structuredCloneable(details as Record<string, unknown>) } : {}),
    };
  }
  return { message: String(error) };
}

/** Details hold argv, output excerpts and numbers; anything else (a cause, a function) is dropped. */
function structuredCloneable(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(details);
  } catch {
    return Object.fromEntries(Object.entries(details).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v)));
  }
}

function deserializeError(error: SerializedError): Error {
  return error.code ? new UnrotError(error.code as ErrorCode, error.message, error.details ?? {}) : new Error(error.message);
}
