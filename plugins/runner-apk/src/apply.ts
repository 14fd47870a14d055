import { posix } from 'node:path';
import type { ApplyResult, PlanStep, RunnerContext, StepOutcome, Update } from '@unrot/sdk';
import { isUnrotError, UnrotError } from '@unrot/sdk';
import { installedArgv } from './argv.js';
import { assertApkPackageName, splitNameVersion } from './names.js';
import type { ApkOptions } from './options.js';
import { explainApkFailure } from './refresh.js';

// apk-tools 2.14 src/database.c apk_db_run_script(): apk_error("%s: script %s") with print.c's
// "exited with error %d", i.e. "ERROR: <pkg>-<ver>.<script>: script exited with error N"; apk-tools 3
// src/process.c prints "ERROR: lib/apk/exec/<pkg>-<ver>.<script>: exited with error N" (recorded with 3.0.6).
const SCRIPT_FAILED = /ERROR: (\S+\.(?:pre|post)-(?:install|upgrade|deinstall)): (?:script )?exited with error (\d+)/;

function explainApply(error: unknown, o: ApkOptions): unknown {
  const explained = explainApkFailure(error, o, 'apk upgrade');
  if (explained !== error || !isUnrotError(error) || error.code !== 'E_EXEC_FAILED') return explained;
  const stderr = typeof error.details.stderr === 'string' ? error.details.stderr : '';
  const script = SCRIPT_FAILED.exec(stderr);
  if (!script) return error;
  return new UnrotError(
    'E_EXEC_FAILED',
    `apk upgrade: the package script ${posix.basename(script[1] as string)} exited with error ${script[2]} (apk counts it as an error and exits non-zero): ${error.message}`,
    error.details,
    { cause: error },
  );
}

/** `name-version` lines of `apk info -v`. */
export function parseInstalled(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const split = splitNameVersion(line.trim());
    if (split) out.set(split.name, split.version);
  }
  return out;
}

/** Runs the plan's argv as they are, then reads back from apk's database what really changed. */
export async function applyApk(ctx: RunnerContext<ApkOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const steps: StepOutcome[] = [];
  let ranForReal = false;
  for (const step of plan) {
    let r: Awaited<ReturnType<typeof ctx.exec.change>>;
    try {
      r = await ctx.exec.change(step.argv, step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs });
    } catch (error) {
      throw explainApply(error, ctx.options);
    }
    steps.push({ id: step.id, argv: [...step.argv], exitCode: r.exitCode, durationMs: r.durationMs });
    ranForReal ||= !r.dryRun;
  }
  const expected = plan.flatMap((s) => s.updates);
  if (!ranForReal || expected.length === 0) return { changed: [], steps };

  for (const u of expected) assertApkPackageName(u.name, 'apply readback');
  const installed = parseInstalled((await ctx.exec.read(installedArgv())).stdout);
  const changed: Update[] = [];
  for (const u of expected) {
    const now = installed.get(u.name);
    if (now !== undefined && now !== u.from && !changed.some((c) => c.name === u.name))
      changed.push({ name: u.name, from: u.from, to: now });
  }
  return { changed, steps };
}
