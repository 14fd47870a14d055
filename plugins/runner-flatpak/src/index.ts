import { defineRunner } from '@unrot/sdk';
import { applyFlatpak } from './apply.js';
import { checkFlatpak } from './check.js';
import { detectFlatpak } from './detect.js';
import { FlatpakOptionsSchema } from './options.js';
import { planFlatpak } from './plan.js';
import { flatpakSources } from './sources.js';

export const runner = defineRunner({
  id: 'flatpak',
  sdk: 1,
  kind: 'app',
  description: 'Flatpak apps and runtimes of the system-wide and per-user installations, within their installed branch; masked refs stay',
  optionsSchema: FlatpakOptionsSchema,
  detect: detectFlatpak,
  check: checkFlatpak,
  plan: async (ctx, check) => planFlatpak(ctx, check),
  apply: applyFlatpak,
  sources: flatpakSources,
});

export default runner;
export { type FlatpakOptions, FlatpakOptionsSchema } from './options.js';
