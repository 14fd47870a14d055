import { defineProbe } from '@unrot/sdk';
import { HttpOptionsSchema } from './options.js';
import { httpAttempt } from './request.js';

export { type HttpOptions, HttpOptionsSchema, type StatusSpec, StatusSpecSchema } from './options.js';
export { statusMatches } from './status-match.js';

export const probe = defineProbe({
  id: 'http',
  sdk: 1,
  description: 'an HTTP(S) request must answer with an expected status, within a latency SLO, optionally with matching body text',
  optionsSchema: HttpOptionsSchema,
  attempt: (ctx) => httpAttempt(ctx.options, ctx.address, ctx.signal),
});

export default probe;
