import { defineRunner } from '@unrot/sdk';
import { applyApk } from './apply.js';
import { versionArgv } from './argv.js';
import { checkApk } from './check.js';
import { ApkOptionsSchema } from './options.js';
import { planApk } from './plan.js';
import { apkSources } from './sources.js';

export const runner = defineRunner({
  id: 'apk',
  sdk: 1,
  kind: 'os',
  description: 'Alpine packages through apk: no prompts, /etc/apk/world pins and exclusions never touched',
  optionsSchema: ApkOptionsSchema,
  async detect(ctx) {
    // pct exec exits 127 when the command does not exist in the container.
    const r = await ctx.exec.read(versionArgv(), { okExitCodes: [0, 127] });
    if (r.exitCode === 127) return { applicable: false, reason: 'apk not found in the container' };
    return { applicable: true, reason: r.stdout.split('\n')[0]?.trim() || 'apk found' };
  },
  check: (ctx) => checkApk(ctx),
  plan: async (ctx, check) => planApk(ctx, check),
  apply: (ctx, plan) => applyApk(ctx, plan),
  sources: (ctx) => apkSources(ctx),
});

export default runner;
export { type ApkOptions, ApkOptionsSchema } from './options.js';
