import { defineRunner } from '@unrot/sdk';
import { applyComposer } from './apply.js';
import { checkComposer } from './check.js';
import { detectComposer } from './detect.js';
import { ComposerOptionsSchema } from './options.js';
import { planComposer } from './plan.js';
import { composerSources } from './sources.js';

export const runner = defineRunner({
  id: 'composer',
  sdk: 1,
  kind: 'app',
  description: 'PHP dependencies of Composer projects (composer.json + composer.lock), within their constraints',
  optionsSchema: ComposerOptionsSchema,
  detect: detectComposer,
  check: checkComposer,
  plan: async (ctx, check) => planComposer(ctx, check),
  apply: applyComposer,
  sources: composerSources,
});

export default runner;
export { type ComposerOptions, ComposerOptionsSchema } from './options.js';
