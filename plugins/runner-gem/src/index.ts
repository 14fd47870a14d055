import { defineRunner } from '@unrot/sdk';
import { applyGem } from './apply.js';
import { checkGem } from './check.js';
import { detectGem } from './detect.js';
import { GemOptionsSchema } from './options.js';
import { planGem } from './plan.js';
import { gemSources } from './sources.js';

export const runner = defineRunner({
  id: 'gem',
  sdk: 1,
  kind: 'app',
  description: 'Ruby gems of Bundler projects (within the Gemfile requirements) and system gems installed with gem install',
  optionsSchema: GemOptionsSchema,
  detect: detectGem,
  check: checkGem,
  plan: async (ctx, check) => planGem(ctx, check),
  apply: applyGem,
  sources: gemSources,
});

export default runner;
export { type GemOptions, GemOptionsSchema } from './options.js';
