import { type ApplyResult, type Exec, isUnrotError, type PlanStep, type StepOutcome, UnrotError, type Update } from '@unrot/sdk';
import { goArgv } from './go-argv.js';
import type { GoOptions } from './options.js';
import { parseBuildInfo } from './parse-buildinfo.js';
import { redactCredentials } from './redact.js';

/** Runs each go install; a failure (download, compile) stops with go's own words. Then reads the binaries back. */
export async function applySteps(exec: Exec, options: GoOptions, plan: readonly PlanStep[]): Promise<ApplyResult> {
  const steps: StepOutcome[] = [];
  let ranForReal = false;
  for (const step of plan) {
    let res: Awaited<ReturnType<Exec['change']>>;
    try {
      res = await exec.change(step.argv, step.timeoutMs ? { timeoutMs: step.timeoutMs } : undefined);
    } catch (error) {
      if (isUnrotError(error) && error.code === 'E_EXEC_FAILED') {
        // go install builds before it replaces the binary: the old one is still in place.
        const stderr = redactCredentials(
          String((error.details as { stderr?: unknown }).stderr ?? '')
            .trim()
            .slice(-2000),
        );
        throw new UnrotError(
          'E_EXEC_FAILED',
          `${step.title} failed: ${stderr.slice(-800)}`,
          { argv: step.argv, exitCode: error.details['exitCode'], stderr },
          { cause: error },
        );
      }
      throw error;
    }
    ranForReal ||= !res.dryRun;
    steps.push({ id: step.id, argv: [...step.argv], exitCode: res.exitCode, durationMs: res.durationMs });
  }
  const files = plan.flatMap((s) => s.updates.map((u) => u.scope ?? '')).filter(Boolean);
  if (!ranForReal || files.length === 0) return { changed: [], steps };

  const now = new Map(
    parseBuildInfo((await exec.read(goArgv.buildInfo(options.go, files), { okExitCodes: [0, 1] })).stdout).map((b) => [b.file, b]),
  );
  const changed: Update[] = [];
  for (const step of plan) {
    for (const u of step.updates) {
      const info = now.get(u.scope ?? '');
      const version = info?.mod?.version;
      // Named by what the binary says now (a major upgrade changes its package path).
      if (version && version !== u.from)
        changed.push({ name: info?.path ?? u.name, from: u.from, to: version, ...(u.scope ? { scope: u.scope } : {}) });
    }
  }
  return { changed, steps };
}
