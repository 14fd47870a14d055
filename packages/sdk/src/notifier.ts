import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from './logger.js';
import type { SDK_VERSION } from './runner.js';

/** How a run went, as a notifier is told (success, degraded or failure). */
export type Severity = 'success' | 'degraded' | 'failure';

/** One message to deliver: a title and text for people, the report for machines. */
export interface Notification {
  severity: Severity;
  title: string;
  text: string;
  runId: string;
  /** The run report, as written to disk (secrets already redacted). */
  report: unknown;
}

/** What the engine hands Notifier.send besides the message. */
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

/** Identity function that types a notifier's options from its schema. */
export function defineNotifier<S extends TSchema>(notifier: Notifier<S>): Notifier<S> {
  return notifier;
}
