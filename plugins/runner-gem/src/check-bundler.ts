import { type CheckResult, isExcluded, type RunnerContext, type Update } from '@unrot/sdk';
import { bundleOutdatedArgv, bundlerScope } from './commands.js';
import { compareGemVersion, isGemVersion } from './gem-version.js';
import { assertSafeName, assertSafeVersion } from './names.js';
import type { GemOptions } from './options.js';
import { type BundleOutdatedEntry, parseBundleOutdated } from './parse-bundler.js';
import { failed, readTool } from './tool-output.js';

type Withheld = CheckResult['withheld'][number];

/** `bundle outdated` exits 1 when something is outdated, 0 when nothing is; others are Bundler's errors (17: a source failed). */
async function outdated(ctx: RunnerContext<GemOptions>, dir: string, withinRequirements: boolean): Promise<BundleOutdatedEntry[]> {
  const argv = bundleOutdatedArgv(dir, withinRequirements);
  const result = await readTool(ctx.exec, argv, [0, 1], `bundle outdated failed in ${dir}`);
  const entries = parseBundleOutdated(result.stdout, `bundle outdated in ${dir}`);
  // Exit 1 is also Bundler's code for an unexpected error: with nothing listed it is one.
  if (result.exitCode === 1 && entries.length === 0) {
    throw failed(result, `bundle outdated failed in ${dir}`);
  }
  return entries;
}

export interface BundlerClassifyInput {
  dir: string;
  /** `--filter-strict`: the newest version the Gemfile's requirements and the bundle allow. */
  within: readonly BundleOutdatedEntry[];
  /** Without the filter: the newest version of each gem at its source. */
  newest: readonly BundleOutdatedEntry[];
  exclusions: readonly string[];
}

/** Updates within the Gemfile's requirements; newer versions beyond them are withheld with the reason. */
export function classifyBundler(input: BundlerClassifyInput): { updates: Update[]; withheld: Withheld[] } {
  const scope = bundlerScope(input.dir);
  const source = `bundle outdated in ${input.dir}`;
  const updates: Update[] = [];
  const withheld: Withheld[] = [];
  const within = new Map(input.within.map((e) => [e.name, e]));
  const names = [...new Set([...input.within, ...input.newest].map((e) => e.name))].sort();
  for (const rawName of names) {
    const name = assertSafeName(rawName, source);
    if (isExcluded(name, input.exclusions)) {
      withheld.push({ name, reason: `excluded by policy (${scope})` });
      continue;
    }
    const allowed = within.get(name);
    const newest = input.newest.find((e) => e.name === name);
    const any = allowed ?? (newest as BundleOutdatedEntry);
    if (any.git) {
      withheld.push({ name, reason: `comes from a git source; update its ref in the Gemfile (${scope})` });
      continue;
    }
    if (!isGemVersion(any.installed)) {
      withheld.push({ name, reason: `locked as ${JSON.stringify(any.installed)}, not a RubyGems version (${scope})` });
      continue;
    }
    const target = allowed && compareGemVersion(allowed.newest, allowed.installed) > 0 ? allowed.newest : undefined;
    if (target !== undefined) updates.push({ name, from: any.installed, to: assertSafeVersion(name, target, source), scope });
    if (newest && isGemVersion(newest.newest) && compareGemVersion(newest.newest, target ?? any.installed) > 0) {
      const requirement = newest.requested ? `the Gemfile's requirement (${newest.requested})` : "the bundle's requirements";
      const also = target !== undefined ? `; updating within them to ${target}` : '';
      withheld.push({ name, reason: `${newest.newest} does not satisfy ${requirement}${also} (${scope})` });
    }
  }
  return { updates, withheld };
}

/** One project: what Bundler can update within the Gemfile, and what lies beyond it. */
export async function checkBundlerProject(
  ctx: RunnerContext<GemOptions>,
  dir: string,
): Promise<{ updates: Update[]; withheld: Withheld[] }> {
  const within = await outdated(ctx, dir, true);
  const newest = await outdated(ctx, dir, false);
  return classifyBundler({ dir, within, newest, exclusions: ctx.exclusions });
}
