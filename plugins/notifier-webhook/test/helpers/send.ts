import { Value } from '@sinclair/typebox/value';
import { type Logger, type Notification, UnrotError } from '@unrot/sdk';
import notifier from '../../src/index.js';
import { type WebhookOptions, WebhookOptionsSchema } from '../../src/options.js';

export interface LogLine {
  level: string;
  text: string;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown> | string, msg?: string): void => {
      lines.push({ level, text: JSON.stringify([obj, msg]) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const message = (overrides: Partial<Notification> = {}): Notification => ({
  severity: 'degraded',
  title: 'unrot: 2 containers updated, 1 skipped',
  text: 'CT 101 web: apt 3 packages\nCT 102 db: skipped (locked)',
  runId: '20261126T021500Z-3fa9c2',
  report: { summary: { containers: 3, updated: 2, nothingToDo: 0, planned: 0, skipped: 1, failed: 0, packagesChanged: 3 } },
  ...overrides,
});

export interface SendOutcome {
  error?: UnrotError;
  ms: number;
  log: LogLine[];
}

/** Sends as the engine does: options with schema defaults applied, a logger, a signal. */
export async function send(
  options: Record<string, unknown>,
  msg: Notification = message(),
  signal: AbortSignal = new AbortController().signal,
): Promise<SendOutcome> {
  const full = Value.Default(WebhookOptionsSchema, structuredClone(options)) as WebhookOptions;
  const errors = [...Value.Errors(WebhookOptionsSchema, full)].map((e) => `${e.path} ${e.message}`);
  if (errors.length > 0) throw new Error(`test options fail the schema: ${errors.join('; ')}`);
  const log = recordingLogger();
  const started = performance.now();
  try {
    await notifier.send({ log, signal, options: full }, msg);
    return { ms: performance.now() - started, log: log.lines };
  } catch (error) {
    if (!(error instanceof UnrotError)) throw error;
    return { error, ms: performance.now() - started, log: log.lines };
  }
}
