import { defineNotifier, UnrotError } from '@unrot/sdk';
import { deliver, maxDeliveryMs } from './deliver.js';
import { BUILDERS } from './formats/index.js';
import { checkWebhookOptions, WebhookOptionsSchema } from './options.js';
import { policyOf } from './policy.js';
import { secretStrings } from './redact.js';

export { backoffMs, type DeliveryPolicy, maxDeliveryMs } from './deliver.js';
export { signature } from './formats/generic.js';
export { checkWebhookOptions, FORMATS, type Format, type WebhookOptions, WebhookOptionsSchema } from './options.js';

export const notifier = defineNotifier({
  id: 'webhook',
  sdk: 1,
  description: 'webhooks: generic JSON (HMAC-signed), Slack, Discord, Microsoft Teams Workflows, Telegram, ntfy and Gotify',
  optionsSchema: WebhookOptionsSchema,
  checkOptions: checkWebhookOptions,
  maxDurationMs: (options) => maxDeliveryMs(policyOf(options)),
  async send(ctx, message) {
    const problems = checkWebhookOptions(ctx.options);
    if (problems.length > 0) {
      throw new UnrotError('E_CONFIG', `webhook notifier options: ${problems.join('; ')}`, { format: ctx.options.format });
    }
    const out = BUILDERS[ctx.options.format](ctx.options, message);
    await deliver(out, policyOf(ctx.options), {
      log: ctx.log,
      signal: ctx.signal,
      format: ctx.options.format,
      secrets: secretStrings(ctx.options),
    });
  },
});

export default notifier;
