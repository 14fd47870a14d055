import { defineRunner } from '@unrot/sdk';
import { applyPacman } from './apply.js';
import { versionArgv } from './argv.js';
import { checkPacman } from './check.js';
import { PacmanOptionsSchema } from './options.js';
import { planPacman } from './plan.js';
import { pacmanSources } from './sources.js';

export const runner = defineRunner({
  id: 'pacman',
  sdk: 1,
  kind: 'os',
  description: 'Arch Linux packages through pacman: full upgrades only, checked against a private sync database, exclusions via --ignore',
  optionsSchema: PacmanOptionsSchema,
  async detect(ctx) {
    // pct exec exits 127 when the command does not exist in the container.
    const r = await ctx.exec.read(versionArgv(), { okExitCodes: [0, 127] });
    if (r.exitCode === 127) return { applicable: false, reason: 'pacman not found in the container' };
    // ` .--.                  Pacman v6.0.2 - libalpm v13.0.2`
    const m = /Pacman v(\S+) - libalpm v(\S+)/.exec(r.stdout);
    return { applicable: true, reason: m ? `pacman ${m[1]} (libalpm ${m[2]})` : 'pacman found' };
  },
  check: (ctx) => checkPacman(ctx),
  plan: async (ctx, check) => planPacman(ctx, check),
  apply: (ctx, plan) => applyPacman(ctx, plan),
  sources: (ctx) => pacmanSources(ctx),
});

export default runner;
export { type PacmanOptions, PacmanOptionsSchema } from './options.js';
