import { defineNotifier } from '@unrot/sdk';
import { EmailOptionsSchema } from './options.js';
import { checkEmailOptions, STEPS_PER_SEND, sendEmail, timeoutMsOf } from './send.js';

export { DEFAULT_PORTS, type EmailOptions, EmailOptionsSchema, type Security } from './options.js';
export { escapeHtml, headerValue, renderHtml, renderSubject, renderText } from './render.js';
export { checkEmailOptions } from './send.js';

export const notifier = defineNotifier({
  id: 'email',
  sdk: 1,
  description: 'Sends run results by email over SMTP (plain, STARTTLS or implicit TLS) with a text and an HTML part',
  optionsSchema: EmailOptionsSchema,
  checkOptions: checkEmailOptions,
  maxDurationMs: (options) => timeoutMsOf(options) * STEPS_PER_SEND,
  send: (ctx, message) => sendEmail(ctx.options, message, ctx.signal, ctx.log),
});

export default notifier;
