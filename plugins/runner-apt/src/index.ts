import { defineRunner } from '@unrot/sdk';
import { applyApt } from './apply.js';
import { versionArgv } from './argv.js';
import { checkApt } from './check.js';
import { AptOptionsSchema } from './options.js';
import { planApt } from './plan.js';
import { aptSources } from './sources.js';

export const runner = defineRunner({
  id: 'apt',
  sdk: 1,
  kind: 'os',
  description: 'Debian and Ubuntu packages through apt-get: no prompts, old config files kept, exclusions never touched',
  optionsSchema: AptOptionsSchema,
  async detect(ctx) {
    // pct exec exits 127 when the command does not exist in the container.
    const r = await ctx.exec.read(versionArgv(), { okExitCodes: [0, 127] });
    if (r.exitCode === 127) return { applicable: false, reason: 'apt-get not found in the container' };
    return { applicable: true, reason: r.stdout.split('\n')[0]?.trim() || 'apt-get found' };
  },
  check: (ctx) => checkApt(ctx),
  plan: async (ctx, check) => planApt(ctx, check),
  apply: (ctx, plan) => applyApt(ctx, plan),
  sources: (ctx) => aptSources(ctx),
});

export default runner;
export { type AptOptions, AptOptionsSchema } from './options.js';
