import { defineProbe } from '@unrot/sdk';
import { CmdOptionsSchema } from './options.js';
import { runCommand } from './run-command.js';

export { type CmdOptions, CmdOptionsSchema } from './options.js';

export const probe = defineProbe({
  id: 'cmd',
  sdk: 1,
  description: 'a read-only command run inside the container must exit 0, optionally printing expected text',
  optionsSchema: CmdOptionsSchema,
  attempt: (ctx) => runCommand(ctx.exec, ctx.options, ctx.signal),
  // Its argv is written by the admin and runs inside the container before the backup: allowlisted like a hook.
  declaredCommands: (options) => [{ argv: options.argv, path: ['argv'] }],
});

export default probe;
