import { type Static, Type } from '@sinclair/typebox';
import { type Logger, type Notification, type Notifier, silentLogger, toUnrotError } from '@unrot/sdk';
import type { Redactor } from '../secrets/redactor.js';
import { type NotifySeverity, severityRank, type Throttle } from './policy-schema.js';
import { foldDigest, heldFrom, ThrottleState } from './throttle.js';

/** A configured sink, ready to send: the notifier plugin and its options with secrets resolved. */
export interface NotificationSinkRuntime {
  name: string;
  notifier: Notifier;
  options: unknown;
  minSeverity: NotifySeverity;
  throttle?: Throttle;
  timeoutMs: number;
}

export const DeliveryResultSchema = Type.Object(
  {
    sink: Type.String(),
    notifier: Type.String(),
    status: Type.Union([
      Type.Literal('sent'),
      Type.Literal('failed'),
      Type.Literal('timeout'),
      Type.Literal('below-min-severity'),
      Type.Literal('throttled'),
    ]),
    /** Earlier messages folded into this one. */
    folded: Type.Optional(Type.Integer({ minimum: 0 })),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false })),
    durationMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type DeliveryResult = Static<typeof DeliveryResultSchema>;

export interface DispatchOptions {
  sinks: readonly NotificationSinkRuntime[];
  notification: Notification;
  /** Scrubs the message before any sink sees it, and errors before they are reported. */
  redactor?: Redactor;
  log?: Logger;
  /** Throttle state file (e.g. <state_dir>/notify-state.json); without it throttles hold only in memory. */
  stateFile?: string;
  /** Injected clock (epoch ms), for throttle windows. */
  now?: () => number;
  /** Cap on the whole dispatch; each sink also has its own timeoutMs. */
  deadlineMs?: number;
}

/** Reading or writing the throttle state may take this long; a stuck filesystem must not hold the run. */
export const STATE_IO_LIMIT_MS = 2_000;

/** Resolves with `fallback` if `work` has not settled in `ms` (the work is left to finish on its own). */
async function within<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const identity: Redactor = { string: (s) => s, value: (v) => v, leaks: () => false };

/** Sends to one sink under a deadline; aborts the notifier's signal when the deadline passes. */
async function deliver(
  sink: NotificationSinkRuntime,
  message: Notification,
  deadlineMs: number,
  log: Logger,
): Promise<Pick<DeliveryResult, 'status' | 'error'>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  try {
    // Promise.resolve().then: a notifier that throws synchronously is still caught here.
    const sending = Promise.resolve().then(() =>
      sink.notifier.send({ log, signal: controller.signal, options: sink.options as never }, message),
    );
    const winner = await Promise.race([sending.then(() => 'sent' as const), timeout]);
    if (winner === 'timeout') {
      controller.abort(new Error('notification deadline passed'));
      sending.catch(() => undefined); // its late rejection is expected and ignored
      return { status: 'timeout', error: { code: 'E_NOTIFY_TIMEOUT', message: `${sink.name}: no delivery within ${deadlineMs} ms` } };
    }
    return { status: 'sent' };
  } catch (error) {
    const e = toUnrotError(error, 'E_NOTIFY_FAILED');
    return { status: e.code === 'E_NOTIFY_TIMEOUT' ? 'timeout' : 'failed', error: { code: e.code, message: e.message } };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Routes one message to every sink: by minimum severity, then throttle (held messages are
 * folded into the next one allowed), then sends in parallel, each under its deadline.
 * Never throws, never waits past the deadline; returns one result per sink for the report.
 */
export async function dispatchNotifications(options: DispatchOptions): Promise<DeliveryResult[]> {
  const log = options.log ?? silentLogger;
  const redactor = options.redactor ?? identity;
  const now = options.now ?? Date.now;
  const results: DeliveryResult[] = [];
  try {
    const message = redactor.value(options.notification);
    let state = ThrottleState.empty();
    if (options.stateFile) {
      const file = options.stateFile;
      const loaded = await within(ThrottleState.load(file), STATE_IO_LIMIT_MS, () => ({
        state: ThrottleState.empty(),
        problem: `reading ${file} took longer than ${STATE_IO_LIMIT_MS} ms`,
      }));
      state = loaded.state;
      if (loaded.problem) log.warn({ problem: loaded.problem }, 'notification throttle state reset');
    }
    const at = now();
    const jobs = options.sinks.map(async (sink): Promise<DeliveryResult> => {
      const base = { sink: sink.name, notifier: sink.notifier.id };
      if (severityRank(message.severity as NotifySeverity) < severityRank(sink.minSeverity)) {
        return { ...base, status: 'below-min-severity', durationMs: 0 };
      }
      const admission = state.admit(sink.name, sink.throttle, at);
      if (!admission.allowed) {
        state.hold(sink.name, heldFrom(message, at, 'throttled'));
        return { ...base, status: 'throttled', durationMs: 0 };
      }
      const outgoing = redactor.value(foldDigest(message, admission.digest, admission.dropped));
      const folded = admission.digest.length + admission.dropped;
      const started = performance.now();
      const limit = Math.max(1, Math.min(sink.timeoutMs, options.deadlineMs ?? Number.POSITIVE_INFINITY));
      const outcome = await deliver(sink, outgoing, limit, log);
      const durationMs = Math.round(performance.now() - started);
      if (outcome.status === 'sent') state.recordSent(sink.name, at);
      else {
        state.restore(sink.name, admission.digest, admission.dropped);
        state.hold(sink.name, heldFrom(message, at, 'failed'));
      }
      const error = outcome.error ? { code: outcome.error.code, message: redactor.string(outcome.error.message) } : undefined;
      if (error) log.warn({ sink: sink.name, notifier: sink.notifier.id, error }, 'notification not delivered');
      else log.info({ sink: sink.name, notifier: sink.notifier.id, folded, durationMs }, 'notification sent');
      return { ...base, status: outcome.status, ...(folded > 0 ? { folded } : {}), ...(error ? { error } : {}), durationMs };
    });
    results.push(...(await Promise.all(jobs)));
    if (options.stateFile) {
      const file = options.stateFile;
      const saved = state.save(file).then(
        () => undefined,
        (error: unknown) => redactor.string(String(error)),
      );
      const problem = await within(saved, STATE_IO_LIMIT_MS, () => `writing ${file} took longer than ${STATE_IO_LIMIT_MS} ms`);
      if (problem) log.warn({ error: problem }, 'notification throttle state not saved');
    }
  } catch (error) {
    // A bug here must not fail the run: report it per sink instead.
    const message = redactor.string(toUnrotError(error).message);
    log.error({ error: message }, 'notification dispatch failed');
    const done = new Set(results.map((r) => r.sink));
    for (const sink of options.sinks) {
      if (!done.has(sink.name)) {
        results.push({
          sink: sink.name,
          notifier: sink.notifier.id,
          status: 'failed',
          error: { code: 'E_INTERNAL', message },
          durationMs: 0,
        });
      }
    }
  }
  return results;
}
