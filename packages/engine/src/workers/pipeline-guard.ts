import { AsyncLocalStorage } from 'node:async_hooks';
import { UnrotError } from '@unrot/sdk';

/**
 * Several pipelines share a worker thread. A plugin that ends the thread (process.exit) or
 * throws from a callback nobody awaits would take the other containers on that thread down with
 * it; instead, the fault is charged to the pipeline it came from (found through
 * AsyncLocalStorage), which is aborted and reported, and the thread keeps serving the others.
 */
export interface PipelineGuard {
  /** Set when a fault was charged to this pipeline. */
  crash?: UnrotError;
  abort: AbortController;
}

const current = new AsyncLocalStorage<PipelineGuard>();
let installed = false;

function charge(error: unknown): void {
  const guard = current.getStore();
  const message = error instanceof Error ? error.message : String(error);
  if (!guard) {
    // Not from any pipeline: nothing to charge it to, so the thread ends as it would have.
    throw error;
  }
  guard.crash ??= new UnrotError('E_WORKER_CRASHED', `a plugin crashed outside its step: ${message}`);
  guard.abort.abort(guard.crash);
}

function install(): void {
  if (installed) return;
  installed = true;
  // In a worker thread process.exit() ends the thread; a plugin gets an error in its own step instead.
  process.exit = ((code?: number | string | null) => {
    throw new UnrotError('E_WORKER_CRASHED', `a plugin called process.exit(${code ?? ''}); the thread is shared, so it was refused`);
  }) as typeof process.exit;
  process.on('uncaughtException', charge);
  process.on('unhandledRejection', charge);
}

/** Runs fn as one guarded pipeline. */
export function guarded<T>(guard: PipelineGuard, fn: () => Promise<T>): Promise<T> {
  install();
  return current.run(guard, fn);
}
