import { defineProbe } from '@unrot/sdk';
import { tryConnect } from './connect.js';
import { TcpOptionsSchema } from './options.js';

export { type TcpOptions, TcpOptionsSchema } from './options.js';

export const probe = defineProbe({
  id: 'tcp',
  sdk: 1,
  description: 'a TCP port must accept a connection within a timeout',
  optionsSchema: TcpOptionsSchema,
  attempt: (ctx) => tryConnect(ctx.options.host ?? ctx.address ?? '127.0.0.1', ctx.options.port, ctx.options.timeout_ms, ctx.signal),
});

export default probe;
