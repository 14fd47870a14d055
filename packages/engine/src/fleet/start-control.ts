import { existsSync } from 'node:fs';

export interface StartControlOptions {
  /** Its presence stops new starts (and in-flight containers at their next safe point). */
  killSwitchFile: string;
  /** Epoch ms after which no container starts (max_runtime.run). */
  runDeadline?: number;
  /** Random delay up to this before each start (jitter_ms). */
  jitterMs: number;
  /** At most this many starts in any 60 s (max_starts_per_minute). */
  maxStartsPerMinute?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export type StartVerdict =
  | { ok: true; jitterMs: number; rateWaitMs: number }
  | { ok: false; reason: 'kill-switch' | 'max-runtime'; detail: string };

const MINUTE_MS = 60_000;

/**
 * Decides when the next container may start: never once the kill switch exists or the run's
 * max runtime is over; otherwise after the rate limit allows it and a random jitter, so
 * containers do not hit disks and mirrors at the same instant. Both are asked again after
 * every wait, so a kill switch set while waiting still wins.
 */
export class StartControl {
  private readonly starts: number[] = [];

  constructor(private readonly options: StartControlOptions) {}

  killSwitchOn(): boolean {
    return existsSync(this.options.killSwitchFile);
  }

  private stop(): StartVerdict | undefined {
    if (this.killSwitchOn())
      return { ok: false, reason: 'kill-switch', detail: `kill switch ${this.options.killSwitchFile} exists; not started` };
    const { runDeadline, now } = this.options;
    if (runDeadline !== undefined && now() >= runDeadline) {
      return { ok: false, reason: 'max-runtime', detail: 'the run reached max_runtime.run; not started' };
    }
    return undefined;
  }

  async admit(): Promise<StartVerdict> {
    const { now, sleep, random, jitterMs, maxStartsPerMinute } = this.options;
    let rateWaitMs = 0;
    for (;;) {
      const stopped = this.stop();
      if (stopped) return stopped;
      if (maxStartsPerMinute === undefined) break;
      const windowStart = now() - MINUTE_MS;
      while (this.starts.length > 0 && (this.starts[0] as number) <= windowStart) this.starts.shift();
      if (this.starts.length < maxStartsPerMinute) break;
      const wait = (this.starts[0] as number) + MINUTE_MS - now();
      rateWaitMs += wait;
      await sleep(wait);
    }
    // Reserve the slot before the jitter, so concurrent admissions count each other.
    this.starts.push(now());
    const jitter = jitterMs > 0 ? Math.floor(random() * jitterMs) : 0;
    if (jitter > 0) await sleep(jitter);
    const stopped = this.stop();
    if (stopped) return stopped;
    return { ok: true, jitterMs: jitter, rateWaitMs };
  }
}
