import { defineRunner, UnrotError } from '@unrot/sdk';
import { applyApt } from './apply.js';
import { REFRESH_AND_SIMULATE_SCRIPT, versionArgv } from './argv.js';
import { checkApt } from './check.js';
import { DISCOVERY_SCRIPT, discover, handOver } from './discovery.js';
import { AptOptionsSchema } from './options.js';
import { planApt } from './plan.js';
import { aptSources } from './sources.js';

export const runner = defineRunner({
  id: 'apt',
  sdk: 1,
  kind: 'os',
  description: 'Debian and Ubuntu packages through apt-get: no prompts, old config files kept, exclusions never touched',
  optionsSchema: AptOptionsSchema,
  // Constant scripts, arguments as positional parameters: detect + sources in one exec, update + simulate in another.
  scripts: [DISCOVERY_SCRIPT, REFRESH_AND_SIMULATE_SCRIPT],
  // With ctx.exactVersions (a wave held to the canary) plan installs `name=version` (plan.ts).
  pinsVersions: true,
  async detect(ctx) {
    // One exec reads what detect and the network pre-flight need (discovery.ts); sources() takes it over.
    const found = await discover(ctx);
    const { exitCode, text } = found.version;
    // pct exec exits 127 when the command does not exist in the container.
    if (exitCode === 127) return { applicable: false, reason: 'apt-get not found in the container' };
    if (exitCode !== 0) {
      throw new UnrotError(
        'E_EXEC_FAILED',
        `apt-get --version exited ${exitCode} in CT ${ctx.container.vmid}: ${text.trim().slice(-500)}`,
        {
          argv: versionArgv(),
          exitCode,
          output: text.trimEnd().split('\n').slice(-50),
        },
      );
    }
    handOver(ctx, found);
    return { applicable: true, reason: text.split('\n')[0]?.trim() || 'apt-get found' };
  },
  check: (ctx) => checkApt(ctx),
  plan: async (ctx, check) => planApt(ctx, check),
  apply: (ctx, plan) => applyApt(ctx, plan),
  sources: (ctx) => aptSources(ctx),
});

export default runner;
export { type AptOptions, AptOptionsSchema } from './options.js';
