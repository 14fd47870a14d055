import type { DeliveryPolicy } from './deliver.js';
import type { WebhookOptions } from './options.js';

/** Options with schema defaults as a delivery policy; defaults repeated for callers that skipped them. */
export function policyOf(o: WebhookOptions): DeliveryPolicy {
  return {
    timeoutMs: o.timeout_ms ?? 10_000,
    retries: o.retries ?? 3,
    backoffMs: o.backoff_ms ?? 1_000,
    retryAfterMaxMs: o.retry_after_max_ms ?? 30_000,
  };
}
