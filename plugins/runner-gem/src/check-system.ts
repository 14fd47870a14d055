import { type CheckResult, isExcluded, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { GEM_DIR_ARGV, GEM_OUTDATED_ARGV, gemRemoteVersionsArgv, SYSTEM_SCOPE } from './commands.js';
import { compareGemVersion, highestVersion, isGemVersion, isPrerelease, majorOf } from './gem-version.js';
import { assertSafeName, assertSafeVersion } from './names.js';
import type { GemOptions } from './options.js';
import { fetchErrors, type GemOutdatedEntry, parseGemList, parseGemOutdated } from './parse-gem.js';
import { readTool } from './tool-output.js';

type Withheld = CheckResult['withheld'][number];

export interface SystemClassifyInput {
  entries: readonly GemOutdatedEntry[];
  /** Files in `<gemdir>/specifications`: gems unrot may update are installed there. */
  gemDir: string;
  specFiles: ReadonlySet<string>;
  allowMajor: boolean;
  exclusions: readonly string[];
}

export type SystemDecision =
  | { kind: 'update'; update: Update }
  | { kind: 'withheld'; withheld: Withheld }
  /** allow_major is false and the newest is a new major: the newest version within the major must be looked up. */
  | { kind: 'needs-versions'; name: string; installed: string; latest: string };

/** True when `NAME-VERSION.gemspec` (or a platform build of it) lies in the gem directory. */
export function installedInGemDir(name: string, version: string, specFiles: ReadonlySet<string>): boolean {
  const stem = `${name}-${version}`;
  if (specFiles.has(`${stem}.gemspec`)) return true;
  return [...specFiles].some((f) => f.startsWith(`${stem}-`) && f.endsWith('.gemspec') && !/^[0-9]/.test(f.slice(stem.length + 1)));
}

/** The decision for each `gem outdated` entry before any remote lookup. */
export function classifySystem(input: SystemClassifyInput): SystemDecision[] {
  const source = 'gem outdated';
  return input.entries.map((entry): SystemDecision => {
    const name = assertSafeName(entry.name, source);
    const withheld = (reason: string): SystemDecision => ({ kind: 'withheld', withheld: { name, reason: `${reason} (${SYSTEM_SCOPE})` } });
    if (isExcluded(name, input.exclusions)) return withheld('excluded by policy');
    if (!isGemVersion(entry.installed) || !isGemVersion(entry.latest))
      return withheld(`versions ${entry.installed} → ${entry.latest} are not RubyGems versions`);
    if (!installedInGemDir(name, entry.installed, input.specFiles)) {
      // Ruby's default and bundled gems and Debian's ruby-* packages live elsewhere; a newer copy in
      // the gem directory would shadow what the OS package manager owns.
      return withheld(`${entry.installed} is installed outside the gem directory ${input.gemDir} (by Ruby itself or an OS package)`);
    }
    if (!input.allowMajor && majorOf(entry.latest) > majorOf(entry.installed)) {
      return { kind: 'needs-versions', name, installed: entry.installed, latest: entry.latest };
    }
    return {
      kind: 'update',
      update: { name, from: entry.installed, to: assertSafeVersion(name, entry.latest, source), scope: SYSTEM_SCOPE },
    };
  });
}

/** The newest release within the installed major that is newer than the installed version. */
export function newestWithinMajor(installed: string, available: readonly string[]): string | undefined {
  const candidates = available.filter(
    (v) => isGemVersion(v) && !isPrerelease(v) && majorOf(v) === majorOf(installed) && compareGemVersion(v, installed) > 0,
  );
  return highestVersion(candidates);
}

async function specFilesOf(ctx: RunnerContext<GemOptions>): Promise<{ gemDir: string; specFiles: Set<string> }> {
  const gemDir = (await readTool(ctx.exec, GEM_DIR_ARGV, [0], 'gem env gemdir failed')).stdout.trim();
  if (!gemDir.startsWith('/') || gemDir.includes('\n')) {
    throw new UnrotError('E_RUNNER_PARSE', `gem env gemdir printed no absolute directory: ${JSON.stringify(gemDir.slice(0, 200))}`);
  }
  const listing = await ctx.exec.read(['ls', '-1A', `${gemDir}/specifications`], { okExitCodes: [0, 1, 2] });
  return { gemDir, specFiles: new Set(listing.exitCode === 0 ? listing.stdout.split('\n').map((l) => l.trim()) : []) };
}

/** System gems: `gem outdated`, kept to the gem directory, new majors only with allow_major. */
export async function checkSystemGems(ctx: RunnerContext<GemOptions>): Promise<{ updates: Update[]; withheld: Withheld[] }> {
  const result = await readTool(ctx.exec, GEM_OUTDATED_ARGV, [0], 'gem outdated failed');
  const errors = fetchErrors(result.stderr);
  if (errors.length > 0) {
    const tail = errors.slice(-5).join('\n');
    throw new UnrotError('E_EXEC_FAILED', `gem outdated could not read a gem source (it would have reported nothing outdated): ${tail}`, {
      argv: result.argv,
      tail,
    });
  }
  const entries = parseGemOutdated(result.stdout, 'gem outdated');
  const updates: Update[] = [];
  const withheld: Withheld[] = [];
  if (entries.length === 0) return { updates, withheld };
  const { gemDir, specFiles } = await specFilesOf(ctx);
  for (const decision of classifySystem({ entries, gemDir, specFiles, allowMajor: ctx.options.allow_major, exclusions: ctx.exclusions })) {
    if (decision.kind === 'update') updates.push(decision.update);
    else if (decision.kind === 'withheld') withheld.push(decision.withheld);
    else {
      // gem list --remote swallows fetch errors too, but gem outdated has just read the same sources.
      const listed = await readTool(ctx.exec, gemRemoteVersionsArgv(decision.name), [0], `gem list --remote failed for ${decision.name}`);
      const available = parseGemList(listed.stdout, 'gem list --remote').get(decision.name)?.versions ?? [];
      const target = newestWithinMajor(decision.installed, available);
      const also = target !== undefined ? `; updating within the major to ${target}` : '';
      withheld.push({
        name: decision.name,
        reason: `${decision.latest} is a new major over ${decision.installed} and allow_major is false${also} (${SYSTEM_SCOPE})`,
      });
      if (target !== undefined) {
        updates.push({
          name: decision.name,
          from: decision.installed,
          to: assertSafeVersion(decision.name, target, 'gem list --remote'),
          scope: SYSTEM_SCOPE,
        });
      }
    }
  }
  return { updates, withheld };
}
