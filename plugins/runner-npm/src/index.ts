import { defineRunner } from '@unrot/sdk';
import { applyNpm } from './apply.js';
import { checkNpm } from './check.js';
import { detectNpm } from './detect.js';
import { NpmOptionsSchema } from './options.js';
import { planNpm } from './plan.js';
import { npmSources } from './sources.js';

export const runner = defineRunner({
  id: 'npm',
  sdk: 1,
  kind: 'app',
  description: 'Node.js dependencies of npm, yarn classic and pnpm projects (and npm global packages), within their declared ranges',
  optionsSchema: NpmOptionsSchema,
  detect: detectNpm,
  check: checkNpm,
  plan: async (ctx, check) => planNpm(ctx, check),
  apply: applyNpm,
  sources: npmSources,
});

export default runner;
export { type NpmOptions, NpmOptionsSchema } from './options.js';
