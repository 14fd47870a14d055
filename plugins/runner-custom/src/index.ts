import { defineRunner } from '@unrot/sdk';
import { applyCustom } from './apply.js';
import { checkCustom } from './check.js';
import { declaredCommands } from './declared-commands.js';
import { detectCustom } from './detect.js';
import { CustomOptionsSchema } from './options.js';
import { planCustom } from './plan.js';
import { optionsProblems } from './validate-commands.js';

export const runner = defineRunner({
  id: 'custom',
  sdk: 1,
  kind: 'app',
  description: 'ordered custom commands inside the container (argv, no shell), each run when its read-only only_if says it is due',
  optionsSchema: CustomOptionsSchema,
  detect: (ctx) => detectCustom(ctx),
  check: (ctx) => checkCustom(ctx),
  plan: async (ctx, check) => planCustom(ctx, check),
  apply: (ctx, plan) => applyCustom(ctx, plan),
  declaredCommands,
  validateOptions: optionsProblems,
});

export default runner;
export { type CustomCommand, CustomCommandSchema, type CustomOptions, CustomOptionsSchema } from './options.js';
