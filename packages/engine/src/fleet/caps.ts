/**
 * Fleet-wide caps (global.yml `concurrency:`): counted semaphores keyed `runner:<id>` and
 * `storage:<id>`, kept in the main thread. Pipelines run in several worker threads, so a count
 * inside a worker would only see its own thread; every worker asks this one object over its
 * task's port (a request/grant message, workers/container-pool.ts).
 *
 * No deadlock: a pipeline asks for all the keys it needs at one point in one request, and a
 * request is granted whole (every key free) or waits whole, so no holder waits while holding a
 * key another waiter needs. Requests are served in arrival order as far as they fit: a request
 * for a free key is not held up behind one waiting for a busy key (no head-of-line blocking),
 * but a waiting request keeps its place for the keys it waits for.
 */
export interface CapsOptions {
  /** Cap per key; keys without a cap are granted at once. */
  limits: ReadonlyMap<string, number>;
  now: () => number;
}

export interface Grant {
  keys: readonly string[];
  waitedMs: number;
}

interface Waiter {
  holder: string;
  keys: readonly string[];
  since: number;
  resolve: (grant: Grant) => void;
  reject: (error: Error) => void;
}

/** The key of a runner's cap and of a storage's cap. */
export const runnerCapKey = (runner: string): string => `runner:${runner}`;
export const storageCapKey = (storage: string): string => `storage:${storage}`;

/** global.yml `concurrency:` as cap keys. */
export function capLimits(
  policy: { per_runner?: Record<string, number>; per_storage?: Record<string, number> } | undefined,
): Map<string, number> {
  const limits = new Map<string, number>();
  for (const [id, n] of Object.entries(policy?.per_runner ?? {})) limits.set(runnerCapKey(id), n);
  for (const [id, n] of Object.entries(policy?.per_storage ?? {})) limits.set(storageCapKey(id), n);
  return limits;
}

export class FleetCaps {
  private readonly inUse = new Map<string, number>();
  /** What each holder (a container's pipeline) has, so a pipeline that dies gives everything back. */
  private readonly held = new Map<string, string[]>();
  private readonly queue: Waiter[] = [];
  /** The most ever held at once per key (the report and the tests read it). */
  readonly peak = new Map<string, number>();

  constructor(private readonly options: CapsOptions) {}

  /** Whether any of these keys has a cap (a worker only asks for capped keys). */
  capped(key: string): boolean {
    return this.options.limits.has(key);
  }

  /** Waits until every key has room, then takes one unit of each for `holder`. */
  acquire(holder: string, keys: readonly string[]): Promise<Grant> {
    const wanted = [...new Set(keys)].filter((k) => this.capped(k)).sort();
    return new Promise<Grant>((resolve, reject) => {
      const waiter: Waiter = { holder, keys: wanted, since: this.options.now(), resolve, reject };
      this.queue.push(waiter);
      this.drain(waiter);
    });
  }

  /** Gives back one unit of each key `holder` holds among `keys`. */
  release(holder: string, keys: readonly string[]): void {
    const mine = this.held.get(holder) ?? [];
    for (const key of keys) {
      const at = mine.indexOf(key);
      if (at < 0) continue;
      mine.splice(at, 1);
      this.inUse.set(key, (this.inUse.get(key) ?? 1) - 1);
    }
    if (mine.length === 0) this.held.delete(holder);
    this.drain();
  }

  /** A pipeline ended (or its thread died): everything it held or waited for goes back. */
  releaseAll(holder: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const w = this.queue[i] as Waiter;
      if (w.holder !== holder) continue;
      this.queue.splice(i, 1);
      w.reject(new Error(`${holder} ended while waiting for ${w.keys.join(', ')}`));
    }
    this.release(holder, [...(this.held.get(holder) ?? [])]);
  }

  /** Whether `holder` has a request still waiting. */
  isWaiting(holder: string): boolean {
    return this.queue.some((w) => w.holder === holder);
  }

  /** Containers waiting right now, per key (for the log). */
  waiting(key: string): number {
    return this.queue.filter((w) => w.keys.includes(key)).length;
  }

  private fits(keys: readonly string[], claimed: ReadonlySet<string>): boolean {
    return keys.every((k) => !claimed.has(k) && (this.inUse.get(k) ?? 0) < (this.options.limits.get(k) ?? Number.POSITIVE_INFINITY));
  }

  /** `asking`: the request being made now; granted in the same call it waited for nothing, whatever the clock moved. */
  private drain(asking?: Waiter): void {
    // Keys an earlier waiter is still waiting for: a later request may not take them first.
    const claimed = new Set<string>();
    for (let i = 0; i < this.queue.length; ) {
      const w = this.queue[i] as Waiter;
      if (!this.fits(w.keys, claimed)) {
        for (const k of w.keys) claimed.add(k);
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      for (const k of w.keys) {
        const n = (this.inUse.get(k) ?? 0) + 1;
        this.inUse.set(k, n);
        this.peak.set(k, Math.max(this.peak.get(k) ?? 0, n));
      }
      this.held.set(w.holder, [...(this.held.get(w.holder) ?? []), ...w.keys]);
      w.resolve({ keys: w.keys, waitedMs: w === asking ? 0 : this.options.now() - w.since });
    }
  }
}
