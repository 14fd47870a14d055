import { type CheckResult, defineRunner, UnrotError } from '@unrot/sdk';
import { applySteps } from './apply.js';
import { checkPipTarget } from './check-pip.js';
import { checkPipx } from './check-pipx.js';
import { detect } from './detect.js';
import { PipOptionsSchema } from './options.js';
import { planSteps } from './plan.js';
import { pipSources } from './sources.js';
import { pipTargets } from './targets.js';

export { type PipOptions, PipOptionsSchema } from './options.js';

export const runner = defineRunner({
  id: 'pip',
  sdk: 1,
  kind: 'app',
  description: 'Python packages with pip: virtual environments, the system interpreter (PEP 668 aware) and pipx apps',
  optionsSchema: PipOptionsSchema,
  detect: (ctx) => detect(ctx.exec, ctx.options),
  async check(ctx) {
    // Checked here too: with pipx absent, check may run no command that would notice the abort.
    if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'pip check aborted before it started');
    const result: CheckResult = { updates: [], withheld: [] };
    for (const target of pipTargets(ctx.options)) {
      const part = await checkPipTarget(ctx.exec, target, ctx.options, ctx.exclusions);
      result.updates.push(...part.updates);
      result.withheld.push(...part.withheld);
    }
    if (ctx.options.pipx) {
      const part = await checkPipx(ctx.exec, ctx.options, ctx.exclusions);
      result.updates.push(...part.updates);
      result.withheld.push(...part.withheld);
    }
    return result;
  },
  plan: async (ctx, check) => planSteps(ctx.options, check),
  apply: (ctx, plan) => applySteps(ctx.exec, ctx.options, plan),
  sources: (ctx) => pipSources(ctx),
});

export default runner;
