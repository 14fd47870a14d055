// The runner plugin of the fleet benchmark (bench/fleet.mjs), shaped like the engine's test
// fixture runners: one simulated package, "app", whose check and apply are `sim` commands
// inside the container (bench/fleet/sim). Their durations are the container's configured
// work; this module only parses one line of output per command.
import { Type } from '@sinclair/typebox';

const optionsSchema = Type.Object({}, { additionalProperties: false });

export default {
  id: 'sim',
  sdk: 1,
  kind: 'app',
  description: 'simulated package manager with configured step times (fleet benchmark)',
  optionsSchema,
  async detect() {
    return { applicable: true };
  },
  async check(ctx) {
    const [have, want] = (await ctx.exec.read(['sim', 'check'])).stdout.trim().split(' ');
    if (have === want) return { updates: [], withheld: [] };
    return { updates: [{ name: 'app', from: have, to: want }], withheld: [] };
  },
  async plan(_ctx, check) {
    if (check.updates.length === 0) return [];
    return [{ id: 'upgrade', title: 'upgrade app', argv: ['sim', 'apply'], updates: check.updates }];
  },
  async apply(ctx, plan) {
    const steps = [];
    const changed = [];
    for (const step of plan) {
      const r = await ctx.exec.change(step.argv);
      steps.push({ id: step.id, argv: step.argv, exitCode: r.exitCode, durationMs: r.durationMs });
      const now = r.stdout.trim();
      changed.push(...step.updates.filter((u) => u.to === now));
    }
    return { changed, steps };
  },
};
