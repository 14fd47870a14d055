import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from './logger.js';
import type { SDK_VERSION } from './runner.js';

export type Severity = 'success' | 'degraded' | 'failure';

export interface Notification {
  severity: Severity;
  title: string;
  text: string;
  runId: string;
  /** The run report, as written to disk (secrets already redacted). */
  report: unknown;
}

export interface NotifierContext<O = unknown> {
  log: Logger;
  signal: AbortSignal;
  options: O;
}

/** A notifier delivers one message to one sink; it must never throw past its own timeout. */
export interface Notifier<S extends TSchema = TSchema> {
  id: string;
  sdk: typeof SDK_VERSION;
  description: string;
  optionsSchema: S;
  /**
   * Problems the schema cannot express (a field required by another field's value), checked
   * with the schema defaults applied. Messages name keys, never values: options hold secrets.
   */
  checkOptions?(options: Static<S>): string[];
  /**
   * The longest one `send` may take with these options, retries and waits included; the engine
   * aborts `ctx.signal` past it and the contract kit holds the notifier to it.
   */
  maxDurationMs?(options: Static<S>): number;
  /** Resolves once delivered; otherwise rejects with a coded UnrotError (E_NOTIFY_*, E_CONFIG). */
  send(ctx: NotifierContext<Static<S>>, message: Notification): Promise<void>;
}

export function defineNotifier<S extends TSchema>(notifier: Notifier<S>): Notifier<S> {
  return notifier;
}
