import { type CheckResult, type ExecResult, type RunnerContext, UnrotError } from '@unrot/sdk';
import { classify } from './classify.js';
import { formatScope, GLOBAL, outdatedArgv } from './commands.js';
import type { NpmOptions } from './options.js';
import type { OutdatedEntry } from './parse-common.js';
import { parseNpmOutdated } from './parse-npm.js';
import { mergePnpmOutdated, parsePnpmOutdated } from './parse-pnpm.js';
import { parseYarnOutdated } from './parse-yarn.js';
import { type Manager, probeProject, ToolProbe } from './project.js';

/** Outdated commands exit 1 when something is outdated; failures are told apart by their output. */
const OUTDATED_EXIT_CODES = [0, 1] as const;

async function readOutdated(ctx: RunnerContext<NpmOptions>, manager: Manager, dir: string): Promise<OutdatedEntry[]> {
  const results: ExecResult[] = [];
  for (const argv of outdatedArgv(manager, dir)) results.push(await ctx.exec.read(argv, { okExitCodes: OUTDATED_EXIT_CODES }));
  const [first, second] = results as [ExecResult, ExecResult | undefined];
  const source = first.argv.join(' ');
  switch (manager) {
    case 'npm':
      return parseNpmOutdated(first, source);
    case 'yarn':
      return parseYarnOutdated(first, source);
    case 'pnpm':
      return mergePnpmOutdated(parsePnpmOutdated(first, source), second ? parsePnpmOutdated(second, second.argv.join(' ')) : []);
  }
}

export async function checkNpm(ctx: RunnerContext<NpmOptions>): Promise<CheckResult> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'check aborted before it started');
  const result: CheckResult = { updates: [], withheld: [] };
  const tools = new ToolProbe(ctx.exec);
  const add = (manager: Manager, dir: string, entries: OutdatedEntry[], source: string): void => {
    const { updates, withheld } = classify({
      entries,
      scope: formatScope(manager, dir),
      global: dir === GLOBAL,
      allowMajor: ctx.options.allow_major,
      production: ctx.options.production && dir !== GLOBAL,
      exclusions: ctx.exclusions,
      source,
    });
    result.updates.push(...updates);
    result.withheld.push(...withheld);
  };

  // One project at a time: each outdated run asks the registry about every dependency.
  for (const configured of ctx.options.projects) {
    const project = await probeProject(ctx.exec, tools, configured);
    if (project.problem) {
      // A configured project that cannot be checked is reported, never silently skipped.
      throw new UnrotError('E_RUNNER_NOT_APPLICABLE', project.problem, { project: project.dir });
    }
    add(
      project.manager,
      project.dir,
      await readOutdated(ctx, project.manager, project.dir),
      `${project.manager} outdated in ${project.dir}`,
    );
  }
  if (ctx.options.global) {
    if ((await tools.version(['npm', '--version'])) === undefined) {
      throw new UnrotError('E_RUNNER_NOT_APPLICABLE', 'global is true but npm is not installed');
    }
    add('npm', GLOBAL, await readOutdated(ctx, 'npm', GLOBAL), 'npm outdated -g');
  }
  return result;
}
