import { createHmac, randomUUID } from 'node:crypto';
import { summaryOf } from '../message.js';
import { type FormatBuilder, JSON_TYPE } from './types.js';

export const GENERIC_SCHEMA = 'unrot.notification/v1';

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<raw body>"); see readme "Verifying signatures". */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export const generic: FormatBuilder = (options, message) => {
  const body = JSON.stringify({
    schema: GENERIC_SCHEMA,
    severity: message.severity,
    title: message.title,
    text: message.text,
    runId: message.runId,
    summary: summaryOf(message.report) ?? null,
  });
  // One id for every attempt, so a receiver can drop a retry of a delivery it already took.
  const delivery = randomUUID();
  return {
    label: 'webhook',
    url: options.url as string,
    prepare() {
      const headers: Record<string, string> = { 'content-type': JSON_TYPE, 'x-unrot-delivery': delivery };
      if (options.secret) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        headers['x-unrot-timestamp'] = timestamp;
        headers['x-unrot-signature'] = signature(options.secret, timestamp, body);
      }
      return { headers, body };
    },
  };
};
