import { type CheckResult, isExcluded, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { dryRunArgv, formatScope, outdatedArgv } from './commands.js';
import { ANY_EXIT, composerFailed, repositoryWarning } from './failure.js';
import { assertSafeName, assertSafeVersion, isReleaseVersion } from './names.js';
import type { ComposerOptions } from './options.js';
import { type Manifest, type PackageRow, parseDryRunUpgrades, parseManifest, parsePackageList } from './parse.js';
import { probeProject, ToolProbe } from './project.js';

type Withheld = CheckResult['withheld'][number];

const NOT_INSTALLED = /No dependencies installed/;

/** Fails on a repository Composer could not reach, even when it answered from its cache. */
function assertReachable(stderr: string, argv: readonly string[], exitCode: number): void {
  const warning = repositoryWarning(stderr);
  if (warning) {
    throw new UnrotError('E_EXEC_FAILED', `a Composer repository could not be reached: ${warning}`, { argv, exitCode });
  }
}

interface Candidate {
  row: PackageRow & { latest: string };
  dev: boolean;
}

/** Rows of `composer outdated` → excluded/branch rows withheld, the rest candidates. */
export function selectCandidates(
  rows: readonly PackageRow[],
  manifest: Manifest,
  exclusions: readonly string[],
  scopeOf: (dev: boolean) => string,
  source: string,
): { candidates: Candidate[]; withheld: Withheld[] } {
  const candidates: Candidate[] = [];
  const withheld: Withheld[] = [];
  for (const row of rows) {
    const name = assertSafeName(row.name, source);
    const dev = manifest.requireDev.has(name) && !manifest.require.has(name);
    const scope = scopeOf(dev);
    if (row.latest === undefined || row.latestStatus === 'up-to-date' || row.latest === row.version) continue;
    if (isExcluded(name, exclusions)) {
      withheld.push({ name, reason: `excluded by policy (${scope})` });
      continue;
    }
    if (!isReleaseVersion(row.version)) {
      withheld.push({ name, reason: `installed from ${row.version}, not a tagged release (${scope})` });
      continue;
    }
    candidates.push({ row: { ...row, latest: row.latest }, dev });
  }
  return { candidates, withheld };
}

/**
 * Decides each candidate's target: with allow_major the repository's latest; otherwise what the
 * resolver's dry run moves it to within composer.json's constraints, the rest withheld.
 */
export function decide(
  candidates: readonly Candidate[],
  inRange: ReadonlyMap<string, string>,
  manifest: Manifest,
  allowMajor: boolean,
  scopeOf: (dev: boolean) => string,
  source: string,
): { updates: Update[]; withheld: Withheld[] } {
  const updates: Update[] = [];
  const withheld: Withheld[] = [];
  for (const { row, dev } of candidates) {
    const scope = scopeOf(dev);
    const within = inRange.get(row.name);
    let target = within;
    if (allowMajor) target = row.latest;
    else if (row.latest !== within) {
      const constraint = (dev ? manifest.requireDev : manifest.require).get(row.name) ?? '?';
      const also = within !== undefined ? `; updating within it to ${within}` : '';
      withheld.push({
        name: row.name,
        reason: `${row.latest} is outside the constraint ${constraint} in composer.json and allow_major is false${also} (${scope})`,
      });
    }
    if (target !== undefined) updates.push({ name: row.name, from: row.version, to: assertSafeVersion(row.name, target, source), scope });
  }
  return { updates, withheld };
}

async function checkProject(ctx: RunnerContext<ComposerOptions>, dir: string, result: CheckResult): Promise<void> {
  const { exec, options } = ctx;
  const manifestText = await exec.read(['cat', `${dir}/composer.json`]);
  const manifest = parseManifest(manifestText.stdout, `${dir}/composer.json`);

  const outdated = await exec.read(outdatedArgv(dir, options), { okExitCodes: ANY_EXIT });
  const source = `composer outdated in ${dir}`;
  if (outdated.exitCode !== 0) throw composerFailed(outdated, source);
  if (NOT_INSTALLED.test(outdated.stderr)) {
    // Composer exits 0 with `[]` here: without this test, "nothing pending" would be reported.
    throw new UnrotError(
      'E_RUNNER_NOT_APPLICABLE',
      `${dir}: Composer says "No dependencies installed" (vendor/ missing): run composer install first`,
      {
        project: dir,
      },
    );
  }
  assertReachable(outdated.stderr, outdated.argv, outdated.exitCode);
  const scopeOf = (dev: boolean) => formatScope(dir, dev);
  const selected = selectCandidates(parsePackageList(outdated, source), manifest, ctx.exclusions, scopeOf, source);
  result.withheld.push(...selected.withheld);
  if (selected.candidates.length === 0) return;

  let inRange = new Map<string, string>();
  if (!options.allow_major) {
    const names = selected.candidates.map((c) => c.row.name);
    const dry = await exec.read(dryRunArgv(dir, names, options), { okExitCodes: ANY_EXIT });
    // A resolver conflict shows here already, in Composer's words.
    if (dry.exitCode !== 0) throw composerFailed(dry, `composer update --dry-run in ${dir}`);
    assertReachable(dry.stderr, dry.argv, dry.exitCode);
    inRange = parseDryRunUpgrades(`${dry.stdout}\n${dry.stderr}`);
  }
  const decided = decide(selected.candidates, inRange, manifest, options.allow_major, scopeOf, source);
  result.updates.push(...decided.updates);
  result.withheld.push(...decided.withheld);
}

export async function checkComposer(ctx: RunnerContext<ComposerOptions>): Promise<CheckResult> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'check aborted before it started');
  const result: CheckResult = { updates: [], withheld: [] };
  const tools = new ToolProbe(ctx.exec);
  for (const configured of ctx.options.projects) {
    const project = await probeProject(ctx.exec, tools, configured);
    // A configured project that cannot be checked is reported, never silently skipped.
    if (project.problem) throw new UnrotError('E_RUNNER_NOT_APPLICABLE', project.problem, { project: project.dir });
    await checkProject(ctx, project.dir, result);
  }
  return result;
}
