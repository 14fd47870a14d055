import type { DetectResult, RunnerContext } from '@unrot/sdk';
import type { ComposerOptions } from './options.js';
import { probeProject, ToolProbe } from './project.js';

/** Applicable when at least one configured project can be handled; the others fail in check. */
export async function detectComposer(ctx: RunnerContext<ComposerOptions>): Promise<DetectResult> {
  if (ctx.options.projects.length === 0) return { applicable: false, reason: 'no projects configured' };
  const tools = new ToolProbe(ctx.exec);
  const problems: string[] = [];
  for (const configured of ctx.options.projects) {
    const probe = await probeProject(ctx.exec, tools, configured);
    if (probe.problem) problems.push(probe.problem);
  }
  if (problems.length === ctx.options.projects.length) return { applicable: false, reason: problems.join('; ') };
  // The rest fail loudly in check, so a misconfigured project is never skipped in silence.
  if (problems.length > 0) ctx.log.warn({ problems }, 'some configured Composer projects cannot be handled');
  return { applicable: true, reason: (await tools.version()) ?? 'composer' };
}
