import type { Severity } from '@unrot/sdk';
import { bodyText, summaryLine, summaryOf } from '../message.js';
import { truncate } from '../text.js';
import { type FormatBuilder, jsonRequest } from './types.js';

/** Gotify documents no length limit; unrot keeps messages readable in its clients. */
export const GOTIFY_MAX = 16_000;

const PRIORITY: Record<Severity, number> = { success: 2, degraded: 5, failure: 8 };

/** POST /message with the application token in X-Gotify-Key (https://gotify.net/api-docs). */
export const gotify: FormatBuilder = (options, message) => {
  const summary = summaryLine(summaryOf(message.report));
  const tail = `\n\nrun ${message.runId}${summary ? ` · ${summary}` : ''}`;
  const base = (options.url as string).replace(/\/+$/, '');
  return jsonRequest(
    'gotify server',
    `${base}/message`,
    {
      title: truncate(message.title, 250),
      message: truncate(bodyText(message), GOTIFY_MAX - tail.length) + tail,
      priority: options.priority ?? PRIORITY[message.severity],
      extras: { 'client::display': { contentType: 'text/plain' } },
    },
    { 'x-gotify-key': options.token as string },
  );
};
