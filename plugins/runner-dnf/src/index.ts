import { defineRunner } from '@unrot/sdk';
import { applyDnf } from './apply.js';
import { rpmDbpathArgv, versionArgv, yumVersionArgv } from './argv.js';
import { checkDnf } from './check.js';
import { flavourName, parseDnfVersion } from './flavour.js';
import { DnfOptionsSchema } from './options.js';
import { planDnf } from './plan.js';
import { dnfSources } from './sources.js';

export const runner = defineRunner({
  id: 'dnf',
  sdk: 1,
  kind: 'os',
  description: 'Fedora, RHEL, Rocky and Alma packages through dnf 4 or dnf5: no prompts, exclusions, security-only and minimal modes',
  optionsSchema: DnfOptionsSchema,
  async detect(ctx) {
    // pct exec exits 127 when the command does not exist in the container.
    const r = await ctx.exec.read(versionArgv(), { okExitCodes: [0, 127] });
    if (r.exitCode === 127) {
      const yum = await ctx.exec.read(yumVersionArgv(), { okExitCodes: [0, 1, 127] });
      if (yum.exitCode !== 127)
        return {
          applicable: false,
          reason: 'only yum is installed (no dnf): yum-only systems (CentOS/RHEL 7) are not supported by the dnf runner',
        };
      return { applicable: false, reason: 'dnf not found in the container' };
    }
    const flavour = parseDnfVersion(r.stdout);
    const db = await ctx.exec.read(rpmDbpathArgv(), { okExitCodes: [0, 127] });
    const dbpath = db.exitCode === 0 ? db.stdout.trim().split('\n')[0] : undefined;
    return { applicable: true, reason: `${flavourName(flavour)}${dbpath ? `, rpm database ${dbpath}` : ''}` };
  },
  check: (ctx) => checkDnf(ctx),
  plan: async (ctx, check) => planDnf(ctx, check),
  apply: (ctx, plan) => applyDnf(ctx, plan),
  sources: (ctx) => dnfSources(ctx),
});

export default runner;
export { type DnfOptions, DnfOptionsSchema } from './options.js';
