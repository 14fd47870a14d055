import type { Notification } from '@unrot/sdk';
import type { WebhookOptions } from '../options.js';

/** One HTTP request to send; `prepare` runs per attempt (a signature carries its own timestamp). */
export interface OutgoingRequest {
  /** How errors name the sink, e.g. "slack webhook"; never the URL. */
  label: string;
  url: string;
  prepare(): { headers: Record<string, string>; body: string };
}

export type FormatBuilder = (options: WebhookOptions, message: Notification) => OutgoingRequest;

export const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonRequest(label: string, url: string, payload: unknown, headers: Record<string, string> = {}): OutgoingRequest {
  const body = JSON.stringify(payload);
  return { label, url, prepare: () => ({ headers: { 'content-type': JSON_TYPE, ...headers }, body }) };
}
