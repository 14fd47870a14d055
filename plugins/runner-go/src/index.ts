import { defineRunner, UnrotError } from '@unrot/sdk';
import { applySteps } from './apply.js';
import { checkBinaries } from './check.js';
import { detect } from './detect.js';
import { GoOptionsSchema } from './options.js';
import { planSteps } from './plan.js';
import { goSources } from './sources.js';

export { type GoOptions, GoOptionsSchema } from './options.js';

export const runner = defineRunner({
  id: 'go',
  sdk: 1,
  kind: 'app',
  description:
    'Go binaries installed with go install: versions read from go version -m, checked against the module proxy, reinstalled with go install',
  optionsSchema: GoOptionsSchema,
  detect: (ctx) => detect(ctx.exec, ctx.options),
  async check(ctx) {
    if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'go check aborted before it started');
    return checkBinaries(ctx.exec, ctx.options, ctx.exclusions);
  },
  plan: async (ctx, check) => planSteps(ctx.options, check),
  apply: (ctx, plan) => applySteps(ctx.exec, ctx.options, plan),
  sources: (ctx) => goSources(ctx),
});

export default runner;
