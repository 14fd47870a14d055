import { existsSync } from 'node:fs';

export interface StartControlOptions {
  /** Its presence stops new starts (and in-flight containers at their next safe point). */
  killSwitchFile: string;
  /** The run's graceful stop (SIGTERM/SIGINT): once aborted, nothing more starts; `detail` says why. */
  stop?: { signal: AbortSignal; detail: () => string };
  /** Epoch ms after which no container starts (max_runtime.run). */
  runDeadline?: number;
  /** Random delay up to this before each start (jitter_ms). */
  jitterMs: number;
  /** At most this many starts in any 60 s (max_starts_per_minute). */
  maxStartsPerMinute?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Backpressure on host load: no start while readLoad() is above maxLoad (preflight.max_load). */
  load?: { maxLoad: number; readLoad: () => number };
  /** While under pressure (load or storage), re-check this often (preflight.poll_s). */
  pollMs?: number;
  /** A pressure episode longer than this gives up the starts it holds back (preflight.give_up_after_s). */
  giveUpMs?: number;
}

export type StopReason = 'kill-switch' | 'signal' | 'max-runtime' | 'host-load' | 'storage-full';

export type StartVerdict =
  | { ok: true; jitterMs: number; rateWaitMs: number; pressureWaitMs: number }
  | { ok: false; reason: StopReason; detail: string };

export type PressureVerdict = { ok: true; waitedMs: number } | { ok: false; reason: StopReason; detail: string };

const MINUTE_MS = 60_000;
export const DEFAULT_POLL_MS = 30_000;
export const DEFAULT_GIVE_UP_MS = 1_800_000;

/** One kind of pressure (host load, or one storage): when it began and whether the run gave up on it. */
interface Episode {
  since?: number;
  gaveUp?: string;
}

/**
 * Decides when the next container may start: never once the kill switch exists or the run's
 * max runtime is over; otherwise after the rate limit allows it and a random jitter, so
 * containers do not hit disks and mirrors at the same instant. Both are asked again after
 * every wait, so a kill switch set while waiting still wins.
 */
export class StartControl {
  private readonly starts: number[] = [];
  private readonly episodes = new Map<string, Episode>();

  constructor(private readonly options: StartControlOptions) {}

  killSwitchOn(): boolean {
    return existsSync(this.options.killSwitchFile);
  }

  private stop(): { ok: false; reason: StopReason; detail: string } | undefined {
    const stop = this.options.stop;
    if (stop?.signal.aborted) return { ok: false, reason: 'signal', detail: `${stop.detail()}; not started` };
    if (this.killSwitchOn())
      return { ok: false, reason: 'kill-switch', detail: `kill switch ${this.options.killSwitchFile} exists; not started` };
    const { runDeadline, now } = this.options;
    if (runDeadline !== undefined && now() >= runDeadline) {
      return { ok: false, reason: 'max-runtime', detail: 'the run reached max_runtime.run; not started' };
    }
    return undefined;
  }

  /**
   * Waits while `above()` describes a pressure (a detail string), re-checking every poll; the
   * kill switch and the run deadline still win while waiting. An episode (shared by every
   * container waiting on the same key) that lasts longer than the bound gives up, for the rest
   * of the run: those containers are skipped with the reason, so a run under pressure ends
   * with a report instead of hanging until its timer fires again.
   */
  async waitWhile(
    key: string,
    reason: 'host-load' | 'storage-full',
    above: () => string | undefined | Promise<string | undefined>,
  ): Promise<PressureVerdict> {
    const { now, sleep } = this.options;
    const pollMs = this.options.pollMs ?? DEFAULT_POLL_MS;
    const giveUpMs = this.options.giveUpMs ?? DEFAULT_GIVE_UP_MS;
    const episode = this.episodes.get(key) ?? {};
    this.episodes.set(key, episode);
    const t0 = now();
    for (;;) {
      const stopped = this.stop();
      if (stopped) return stopped;
      if (episode.gaveUp) return { ok: false, reason, detail: episode.gaveUp };
      const detail = await above();
      if (detail === undefined) {
        delete episode.since;
        return { ok: true, waitedMs: now() - t0 };
      }
      episode.since ??= now();
      const waited = now() - episode.since;
      if (waited >= giveUpMs) {
        episode.gaveUp = `${detail}; waited ${Math.round(waited / 1000)} s (preflight.give_up_after_s), not started`;
        return { ok: false, reason, detail: episode.gaveUp };
      }
      await sleep(Math.min(pollMs, giveUpMs - waited));
    }
  }

  async admit(): Promise<StartVerdict> {
    const { now, sleep, random, jitterMs, maxStartsPerMinute, load } = this.options;
    let rateWaitMs = 0;
    let pressureWaitMs = 0;
    if (load) {
      const verdict = await this.waitWhile('host-load', 'host-load', () => {
        const current = load.readLoad();
        return current > load.maxLoad ? `host load ${current.toFixed(2)} is above preflight.max_load ${load.maxLoad}` : undefined;
      });
      if (!verdict.ok) return verdict;
      pressureWaitMs = verdict.waitedMs;
    }
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
    return { ok: true, jitterMs: jitter, rateWaitMs, pressureWaitMs };
  }
}
