import type { DetectResult, RunnerContext } from '@unrot/sdk';
import type { GemOptions } from './options.js';
import { BUNDLE_VERSION_ARGV, GEM_VERSION_ARGV, probeProject, ToolProbe } from './project.js';

/** Applicable when at least one configured project (or the system gems, with gem present) can be handled. */
export async function detectGem(ctx: RunnerContext<GemOptions>): Promise<DetectResult> {
  const { projects, system } = ctx.options;
  if (projects.length === 0 && !system) return { applicable: false, reason: 'no projects configured and system is false' };
  const tools = new ToolProbe(ctx.exec);
  const problems: string[] = [];
  let usable = 0;
  for (const configured of projects) {
    const probe = await probeProject(ctx.exec, configured);
    if (probe.problem) problems.push(probe.problem);
    else if ((await tools.version(BUNDLE_VERSION_ARGV)) === undefined) problems.push(`bundle is not installed (needed by ${probe.dir})`);
    else usable++;
  }
  if (system) {
    if ((await tools.version(GEM_VERSION_ARGV)) === undefined) problems.push('gem is not installed (needed for system gems)');
    else usable++;
  }
  if (usable === 0) return { applicable: false, reason: problems.join('; ') };
  // The rest fail loudly in check, so a misconfigured project is never skipped in silence.
  if (problems.length > 0) ctx.log.warn({ problems }, 'some configured Ruby projects cannot be handled');
  return { applicable: true };
}
