import { type CheckResult, type RunnerContext, UnrotError } from '@unrot/sdk';
import { checkBundlerProject } from './check-bundler.js';
import { checkSystemGems } from './check-system.js';
import type { GemOptions } from './options.js';
import { BUNDLE_VERSION_ARGV, GEM_VERSION_ARGV, probeProject, ToolProbe } from './project.js';

/** Read-only: Bundler resolves in memory (the lock is not written) and gem only reads its sources. */
export async function checkGem(ctx: RunnerContext<GemOptions>): Promise<CheckResult> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'check aborted before it started');
  const result: CheckResult = { updates: [], withheld: [] };
  const tools = new ToolProbe(ctx.exec);
  for (const configured of ctx.options.projects) {
    const project = await probeProject(ctx.exec, configured);
    // A configured project that cannot be checked is reported, never silently skipped.
    if (project.problem) throw new UnrotError('E_RUNNER_NOT_APPLICABLE', project.problem, { project: project.dir });
    if ((await tools.version(BUNDLE_VERSION_ARGV)) === undefined) {
      throw new UnrotError('E_RUNNER_NOT_APPLICABLE', `bundle is not installed (needed by ${project.dir})`, { project: project.dir });
    }
    const { updates, withheld } = await checkBundlerProject(ctx, project.dir);
    result.updates.push(...updates);
    result.withheld.push(...withheld);
  }
  if (ctx.options.system) {
    if ((await tools.version(GEM_VERSION_ARGV)) === undefined)
      throw new UnrotError('E_RUNNER_NOT_APPLICABLE', 'system is true but gem is not installed');
    const { updates, withheld } = await checkSystemGems(ctx);
    result.updates.push(...updates);
    result.withheld.push(...withheld);
  }
  return result;
}
