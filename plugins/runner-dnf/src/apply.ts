import type { ApplyResult, PlanStep, RunnerContext, StepOutcome, Update } from '@unrot/sdk';
import { needsRestartingArgv, rpmQueryArgv } from './argv.js';
import { compareEvr, formatEvr } from './evr.js';
import { dnfFailure, withLockWait } from './lock-wait.js';
import { assertRpmName } from './names.js';
import type { DnfOptions } from './options.js';
import { parseRpmQuery, type RpmPackage } from './parse-query.js';

// `rpm -q` takes names, not the NAME.ARCH check uses for multilib packages.
const ARCH_SUFFIX = /\.(noarch|x86_64|i686|i386|aarch64|armv7hl|ppc64le|s390x|riscv64)$/;

function nowInstalled(pkgs: readonly RpmPackage[], name: string): RpmPackage | undefined {
  const arch = ARCH_SUFFIX.exec(name)?.[1];
  const base = arch ? name.slice(0, -(arch.length + 1)) : name;
  const matching = pkgs.filter((p) => p.name === base && (arch === undefined || p.arch === arch));
  // installonly packages (kernels) keep several versions: the newest is the one just installed.
  return matching.reduce<RpmPackage | undefined>((best, p) => (best === undefined || compareEvr(p, best) > 0 ? p : best), undefined);
}

/**
 * `dnf needs-restarting -r` (dnf-plugins-core, or dnf5's plugin): logged, never fatal. Debian's
 * dnf has no plugins unless dnf-plugins-core is installed: then "No such command" → not available.
 */
async function reportNeedsRestarting(ctx: RunnerContext<DnfOptions>): Promise<void> {
  const r = await ctx.exec.read(needsRestartingArgv(), { okExitCodes: Array.from({ length: 256 }, (_, i) => i) });
  const text = `${r.stdout}\n${r.stderr}`;
  if (/No such command|Unknown argument|unknown command/i.test(text) || r.exitCode === 2 || r.exitCode === 127) {
    ctx.log.info({}, 'dnf needs-restarting: not available (no dnf-plugins-core)');
  } else if (r.exitCode === 1 && /Reboot is required/i.test(text)) {
    ctx.log.warn(
      { output: r.stdout.trim().split('\n').slice(0, 20) },
      'dnf needs-restarting: a reboot is required to fully apply the updates',
    );
  } else if (r.exitCode === 0) {
    ctx.log.info({}, 'dnf needs-restarting: no reboot needed');
  } else {
    ctx.log.warn({ exitCode: r.exitCode, output: text.trim().split('\n').slice(-5) }, 'dnf needs-restarting failed; reboot need unknown');
  }
}

/** Runs the plan's argv (waiting while another dnf/rpm holds the lock), reads back from rpm what really changed. */
export async function applyDnf(ctx: RunnerContext<DnfOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const steps: StepOutcome[] = [];
  let ranForReal = false;
  for (const step of plan) {
    const opts = { okExitCodes: [0, 1, 200], ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }) };
    const r = await withLockWait(ctx, 'change', step.argv, opts);
    steps.push({ id: step.id, argv: [...step.argv], exitCode: r.exitCode, durationMs: r.durationMs });
    // A failed transaction may have upgraded part of the packages (rpm installs one by one): the engine rolls back.
    if (r.exitCode !== 0)
      throw dnfFailure(`dnf ${step.argv.includes('upgrade') ? 'upgrade' : step.argv[2]} failed`, r, ctx.options.lock_timeout_s);
    ranForReal ||= !r.dryRun;
  }
  const expected = plan.flatMap((s) => s.updates);
  if (!ranForReal || expected.length === 0) return { changed: [], steps };

  const names = [...new Set(expected.map((u) => assertRpmName(u.name, 'apply readback').replace(ARCH_SUFFIX, '')))];
  const out = await ctx.exec.read(rpmQueryArgv(names), { okExitCodes: [0, 1] });
  const installed = parseRpmQuery(out.stdout);
  const changed: Update[] = [];
  for (const u of expected) {
    const now = nowInstalled(installed, u.name);
    const version = now ? formatEvr(now) : undefined;
    if (version !== undefined && version !== u.from && !changed.some((c) => c.name === u.name))
      changed.push({ name: u.name, from: u.from, to: version });
  }
  await reportNeedsRestarting(ctx);
  return { changed, steps };
}
