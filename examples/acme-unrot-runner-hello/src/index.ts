import { type ApplyResult, type CheckResult, defineRunner, isExcluded, type PlanStep, type RunnerContext, UnrotError } from '@unrot/sdk';
import { type HelloOptions, HelloOptionsSchema } from './options.js';
import { compareVersions, newestRelease, versionOfLink } from './versions.js';

/** The name this runner reports its one "package" under (what `exclude:` matches). */
export const PACKAGE = 'hello';

const currentLink = (o: HelloOptions) => `${o.dir}/current`;
const readLinkArgv = (o: HelloOptions) => ['readlink', '--', currentLink(o)];
const listReleasesArgv = (o: HelloOptions) => ['ls', '-1', '--', `${o.dir}/releases`];

async function installedVersion(ctx: RunnerContext<HelloOptions>): Promise<string> {
  const r = await ctx.exec.read(readLinkArgv(ctx.options));
  return versionOfLink(r.stdout);
}

export const runner = defineRunner({
  id: 'hello',
  sdk: 1,
  kind: 'app',
  description: 'switches <dir>/current to the newest x.y.z release under <dir>/releases (an example third-party runner)',
  optionsSchema: HelloOptionsSchema,
  async detect(ctx) {
    const r = await ctx.exec.read(readLinkArgv(ctx.options), { okExitCodes: [0, 1] });
    if (r.exitCode !== 0) return { applicable: false, reason: `${currentLink(ctx.options)} is not a symlink` };
    return { applicable: true, reason: `${currentLink(ctx.options)} -> ${r.stdout.trim()}` };
  },
  async check(ctx): Promise<CheckResult> {
    const from = await installedVersion(ctx);
    const listed = await ctx.exec.read(listReleasesArgv(ctx.options));
    const newest = newestRelease(listed.stdout);
    if (newest === undefined || compareVersions(newest, from) <= 0) return { updates: [], withheld: [] };
    if (isExcluded(PACKAGE, ctx.exclusions)) return { updates: [], withheld: [{ name: PACKAGE, reason: 'excluded by policy' }] };
    return { updates: [{ name: PACKAGE, from, to: newest, scope: ctx.options.dir }], withheld: [] };
  },
  async plan(ctx, check): Promise<PlanStep[]> {
    return check.updates.map((u) => ({
      id: `hello:${u.to}`,
      title: `switch ${currentLink(ctx.options)} to releases/${u.to}`,
      // -n: replace the link itself, not create one inside the directory it points to.
      argv: ['ln', '-sfn', '--', `releases/${u.to}`, currentLink(ctx.options)],
      updates: [u],
    }));
  },
  async apply(ctx, plan): Promise<ApplyResult> {
    const steps: ApplyResult['steps'] = [];
    for (const step of plan) {
      const started = Date.now();
      const r = await ctx.exec.change(step.argv, { okExitCodes: [0, 1] });
      steps.push({ id: step.id, argv: step.argv, exitCode: r.exitCode, durationMs: Date.now() - started });
      if (r.exitCode !== 0) {
        throw new UnrotError('E_EXEC_FAILED', `${step.title} failed: ${(r.stderr || r.stdout).trim().slice(-500)}`, { step: step.id });
      }
    }
    // Read back, never assume: what current points to now.
    const now = await installedVersion(ctx);
    const changed = plan.flatMap((s) => s.updates).filter((u) => u.to === now);
    return { changed, steps };
  },
});

export default runner;
export { type HelloOptions, HelloOptionsSchema } from './options.js';
