// A small real runner for the kit's own tests: its "package" is a directory holding the files
// `installed` and `available`; check reads both with cat, apply installs with cp. It runs for real
// on this machine (createLocalExec), so the recorder can capture it offline, and each variant
// below breaks exactly one rule the kit checks.
import { Type } from '@sinclair/typebox';
import {
  type ApplyResult,
  type CheckResult,
  isExcluded,
  type PlanStep,
  type Runner,
  type RunnerContext,
  UnrotError,
} from '../../src/index.js';

const optionsSchema = Type.Object({ dir: Type.String({ default: '/opt/demo' }) });
type Ctx = RunnerContext<{ dir: string }>;

async function readVersion(ctx: Ctx, file: string): Promise<string> {
  return (await ctx.exec.read(['cat', `${ctx.options.dir}/${file}`])).stdout.trim();
}

export const fileRunner = {
  id: 'file-demo',
  sdk: 1,
  kind: 'app',
  description: 'installs the file `available` over `installed` in a directory (kit tests)',
  optionsSchema,
  async detect(ctx: Ctx) {
    const r = await ctx.exec.read(['test', '-d', ctx.options.dir], { okExitCodes: [0, 1] });
    return r.exitCode === 0 ? { applicable: true } : { applicable: false, reason: `${ctx.options.dir} does not exist` };
  },
  async check(ctx: Ctx): Promise<CheckResult> {
    if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'aborted');
    const installed = await readVersion(ctx, 'installed');
    const available = await readVersion(ctx, 'available');
    if (installed === available) return { updates: [], withheld: [] };
    if (isExcluded('demo', ctx.exclusions)) return { updates: [], withheld: [{ name: 'demo', reason: 'excluded by policy' }] };
    return { updates: [{ name: 'demo', from: installed, to: available, scope: ctx.options.dir }], withheld: [] };
  },
  async plan(ctx: Ctx, check: CheckResult): Promise<PlanStep[]> {
    const { dir } = ctx.options;
    return check.updates.map((u) => ({
      id: 'demo-install',
      title: `install demo ${u.to}`,
      argv: ['cp', `${dir}/available`, `${dir}/installed`],
      updates: [u],
    }));
  },
  async apply(ctx: Ctx, plan: PlanStep[]): Promise<ApplyResult> {
    const steps = [];
    for (const step of plan) {
      const r = await ctx.exec.change(step.argv);
      steps.push({ id: step.id, argv: [...step.argv], exitCode: r.exitCode, durationMs: r.durationMs });
    }
    if (plan.length === 0 || ctx.exec.dryRun) return { changed: [], steps };
    const now = await readVersion(ctx, 'installed');
    return { changed: plan.flatMap((s) => s.updates).filter((u) => u.to === now), steps };
  },
} satisfies Runner<typeof optionsSchema>;

export type FileRunner = typeof fileRunner;

/** The good runner with some methods replaced: each variant breaks one rule. */
export const broken = (name: string, overrides: Partial<FileRunner>): Runner =>
  ({ ...fileRunner, ...overrides, description: `${fileRunner.description}, broken: ${name}` }) as unknown as Runner;

/** check changes the system (a stamp file) while it looks. */
export const changesInCheck = broken('changes in check', {
  async check(ctx) {
    await ctx.exec.change(['touch', `${ctx.options.dir}/checked`]);
    return fileRunner.check(ctx);
  },
});

/** Like changesInCheck, but swallows the exec's refusal and carries on. */
export const swallowsRefusalInCheck = broken('swallows the refusal in check', {
  async check(ctx) {
    await ctx.exec.change(['touch', `${ctx.options.dir}/checked`]).catch(() => undefined);
    return fileRunner.check(ctx);
  },
});

/** check reports every update twice. */
export const doubleCounts = broken('reports updates twice', {
  async check(ctx) {
    const checked = await fileRunner.check(ctx);
    return { ...checked, updates: [...checked.updates, ...checked.updates] };
  },
});

/** plan prepares by running a command that changes the system. */
export const changesInPlan = broken('changes in plan', {
  async plan(ctx, check) {
    await ctx.exec.change(['mkdir', '-p', `${ctx.options.dir}/staging`]);
    return fileRunner.plan(ctx, check);
  },
});

/** plan hands apply a shell command string. */
export const plansShell = broken('plans a shell string', {
  async plan(ctx, check) {
    const { dir } = ctx.options;
    return (await fileRunner.plan(ctx, check)).map((s) => ({ ...s, argv: ['sh', '-c', `cp ${dir}/available ${dir}/installed`] }));
  },
});

/** plan reinstalls even when nothing is pending. */
export const plansWhenCurrent = broken('plans when nothing is pending', {
  async plan(ctx, check) {
    const { dir } = ctx.options;
    if (check.updates.length > 0) return fileRunner.plan(ctx, check);
    return [{ id: 'demo-reinstall', title: 'reinstall demo', argv: ['cp', `${dir}/available`, `${dir}/installed`], updates: [] }];
  },
});

/** In dry-run, apply runs its steps through read(), which dry-run does not hold back. */
export const readsStepsInDryRun = broken('runs its steps through read() in dry-run', {
  async apply(ctx, plan) {
    if (!ctx.exec.dryRun) return fileRunner.apply(ctx, plan);
    for (const step of plan) await ctx.exec.read(step.argv);
    return { changed: [], steps: [] };
  },
});

/** apply reports success without running its plan. */
export const skipsSteps = broken('skips its steps', {
  async apply(_ctx, plan) {
    return { changed: plan.flatMap((s) => s.updates), steps: [] };
  },
});

/** apply runs a command that changes nothing (installed copied onto itself): the update stays pending. */
export const noopApply = broken('applies without effect', {
  async plan(ctx, check) {
    const { dir } = ctx.options;
    return (await fileRunner.plan(ctx, check)).map((s) => ({ ...s, argv: ['cp', '--', `${dir}/installed`, `${dir}/installed.bak`] }));
  },
});

/** check swallows every error, the abort too, and answers "nothing pending". */
export const ignoresAbort = broken('ignores an aborted signal', {
  async check(ctx) {
    try {
      await readVersion(ctx, 'installed');
    } catch {
      // "nothing found" instead of an error: the engine would report a clean container.
    }
    return { updates: [], withheld: [] };
  },
});
