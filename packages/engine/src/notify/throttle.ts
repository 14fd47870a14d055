import { readFile } from 'node:fs/promises';
import type { Notification } from '@unrot/sdk';
import { writeFileAtomic } from '../report/write-atomic.js';
import type { NotifySeverity, Throttle } from './policy-schema.js';

/** A message that did not reach a sink: held back by its throttle, or its delivery failed. */
export interface HeldMessage {
  at: number;
  runId: string;
  severity: NotifySeverity;
  title: string;
  why: 'throttled' | 'failed';
}

interface SinkState {
  /** Times (epoch ms) of deliveries inside the current window. */
  sent: number[];
  held: HeldMessage[];
  /** Held messages dropped because the list was full. */
  dropped: number;
}

export interface ThrottleStateData {
  version: 1;
  sinks: Record<string, SinkState>;
}

/** Bounds the state file: a sink that is down for months must not grow it forever. */
export const MAX_HELD = 50;

export type Admission = { allowed: true; digest: HeldMessage[]; dropped: number } | { allowed: false };

/** Per-sink throttle windows and held messages, persisted between runs. */
export class ThrottleState {
  private constructor(private readonly data: ThrottleStateData) {}

  static empty(): ThrottleState {
    return new ThrottleState({ version: 1, sinks: {} });
  }

  /** A missing or unreadable file starts empty: throttling must never stop a notification run. */
  static async load(file: string): Promise<{ state: ThrottleState; problem?: string }> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { state: ThrottleState.empty(), ...(code === 'ENOENT' ? {} : { problem: `cannot read ${file} (${code})` }) };
    }
    try {
      const data = JSON.parse(text) as ThrottleStateData;
      if (data?.version !== 1 || typeof data.sinks !== 'object' || data.sinks === null) throw new Error('unknown format');
      for (const s of Object.values(data.sinks)) {
        if (!Array.isArray(s.sent) || !Array.isArray(s.held)) throw new Error('unknown format');
        s.dropped = typeof s.dropped === 'number' ? s.dropped : 0;
      }
      return { state: new ThrottleState(data) };
    } catch (error) {
      return { state: ThrottleState.empty(), problem: `ignoring ${file}: ${(error as Error).message}` };
    }
  }

  async save(file: string): Promise<void> {
    await writeFileAtomic(file, `${JSON.stringify(this.data)}\n`, 0o600);
  }

  private sink(name: string): SinkState {
    let s = this.data.sinks[name];
    if (!s) {
      s = { sent: [], held: [], dropped: 0 };
      this.data.sinks[name] = s;
    }
    return s;
  }

  /** Whether a message may go to the sink now; if so, with everything held for it so far. */
  admit(name: string, throttle: Throttle | undefined, now: number): Admission {
    const s = this.sink(name);
    s.sent = throttle ? s.sent.filter((t) => t > now - throttle.window_s * 1000 && t <= now) : [];
    if (throttle && s.sent.length >= throttle.max) return { allowed: false };
    const digest = s.held;
    const dropped = s.dropped;
    s.held = [];
    s.dropped = 0;
    return { allowed: true, digest, dropped };
  }

  hold(name: string, message: HeldMessage): void {
    const s = this.sink(name);
    s.held.push(message);
    if (s.held.length > MAX_HELD) {
      s.dropped += s.held.length - MAX_HELD;
      s.held = s.held.slice(-MAX_HELD);
    }
  }

  /** A delivery failed: put its digest back so it rides with the next message. */
  restore(name: string, digest: HeldMessage[], dropped: number): void {
    const s = this.sink(name);
    s.held = [...digest, ...s.held];
    s.dropped += dropped;
    if (s.held.length > MAX_HELD) {
      s.dropped += s.held.length - MAX_HELD;
      s.held = s.held.slice(-MAX_HELD);
    }
  }

  recordSent(name: string, now: number): void {
    this.sink(name).sent.push(now);
  }

  snapshot(): ThrottleStateData {
    return structuredClone(this.data);
  }
}

export function heldFrom(message: Notification, at: number, why: HeldMessage['why']): HeldMessage {
  return { at, runId: message.runId, severity: message.severity as NotifySeverity, title: message.title, why };
}

/** Folds held messages into the one that is going out: a line each, and a count in the title. */
export function foldDigest(message: Notification, digest: readonly HeldMessage[], dropped: number): Notification {
  const total = digest.length + dropped;
  if (total === 0) return message;
  const lines = [
    '',
    `Not delivered to this sink earlier (${total} message${total === 1 ? '' : 's'}, oldest first):`,
    ...digest.map(
      (h) =>
        `  ${new Date(h.at).toISOString()} ${h.severity.toUpperCase()} ${h.title} (run ${h.runId}, ${h.why === 'throttled' ? 'held back by throttle' : 'delivery failed'})`,
    ),
    ...(dropped > 0 ? [`  … and ${dropped} older message${dropped === 1 ? '' : 's'} not kept`] : []),
  ];
  return { ...message, title: `${message.title} (+${total} earlier)`, text: `${message.text}\n${lines.join('\n')}` };
}
