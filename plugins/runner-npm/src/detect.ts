import type { DetectResult, RunnerContext } from '@unrot/sdk';
import type { NpmOptions } from './options.js';
import { probeProject, ToolProbe } from './project.js';

/** Applicable when at least one configured project (or global with npm present) can be handled. */
export async function detectNpm(ctx: RunnerContext<NpmOptions>): Promise<DetectResult> {
  const { projects, global } = ctx.options;
  if (projects.length === 0 && !global) return { applicable: false, reason: 'no projects configured and global is false' };
  const tools = new ToolProbe(ctx.exec);
  const problems: string[] = [];
  let usable = 0;
  for (const configured of projects) {
    const probe = await probeProject(ctx.exec, tools, configured);
    if (probe.problem) problems.push(probe.problem);
    else usable++;
  }
  if (global) {
    if ((await tools.version(['npm', '--version'])) === undefined) problems.push('npm is not installed (needed for global packages)');
    else usable++;
  }
  if (usable === 0) return { applicable: false, reason: problems.join('; ') };
  // The rest fail loudly in check, so a misconfigured project is never skipped in silence.
  if (problems.length > 0) ctx.log.warn({ problems }, 'some configured npm projects cannot be handled');
  return { applicable: true };
}
