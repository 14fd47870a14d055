import { type CheckResult, type Exec, isExcluded, UnrotError, type Update } from '@unrot/sdk';
import { assertSafeName, assertSafeVersion, isMajorBump, majorOf, normalizeName } from './names.js';
import type { PipOptions } from './options.js';
import {
  indexUnreachable,
  type OutdatedPackage,
  parseInstallReport,
  parseOutdated,
  parsePipList,
  parsePipVersion,
  versionAtLeast,
} from './parse-pip.js';
import { type PipTarget, pipArgv } from './targets.js';

type Withheld = CheckResult['withheld'][number];

const excluded = (name: string, exclusions: readonly string[]) =>
  isExcluded(name, exclusions) || isExcluded(normalizeName(name), exclusions);

/** Checks one venv or the system interpreter. Reads only (the dry-run may fill pip's download cache). */
export async function checkPipTarget(
  exec: Exec,
  target: PipTarget,
  options: PipOptions,
  exclusions: readonly string[],
): Promise<CheckResult> {
  const { pip } = parsePipVersion((await exec.read(pipArgv.version(target))).stdout);
  const outdated = await readOutdated(exec, target);

  const withheld: Withheld[] = [];
  const candidates: OutdatedPackage[] = [];
  for (const p of outdated) {
    if (excluded(p.name, exclusions))
      withheld.push({ name: p.name, reason: `excluded by policy (${p.version} → ${p.latest} in ${target.scope})` });
    else candidates.push(p);
  }
  if (target.kind === 'system') {
    const marker = (await exec.read(pipArgv.externallyManaged(target))).stdout.trim();
    if (marker && !options.break_system_packages) {
      for (const p of candidates) {
        withheld.push({
          name: p.name,
          reason: `externally-managed-environment: the system Python is managed by the distribution (PEP 668, ${marker}); ${p.version} → ${p.latest} needs break_system_packages: true`,
        });
      }
      return { updates: [], withheld };
    }
  }
  if (candidates.length === 0) return { updates: [], withheld };

  if (!versionAtLeast(pip, '22.2')) {
    // Without --dry-run --report pip cannot say what a constraints file allows; guessing could break the pins.
    if (options.constraints) {
      for (const p of candidates)
        withheld.push({
          name: p.name,
          reason: `pip ${pip} in ${target.scope} cannot resolve against ${options.constraints} (needs pip ≥ 22.2)`,
        });
      return { updates: [], withheld };
    }
    const updates: Update[] = [];
    for (const p of candidates) {
      if (!options.allow_major && isMajorBump(p.version, p.latest)) withheld.push({ name: p.name, reason: majorReason(p, target) });
      else updates.push({ name: p.name, from: p.version, to: p.latest, scope: target.scope });
    }
    return { updates, withheld };
  }

  // Ask pip what it would really install: constraints hold, major caps become "<N+1" specifiers.
  const specs = candidates.map((p) =>
    !options.allow_major && isMajorBump(p.version, p.latest) ? `${p.name}<${(majorOf(p.version) ?? 0) + 1}` : p.name,
  );
  const report = parseInstallReport((await exec.read(pipArgv.dryRun(target, options, specs))).stdout).map((r) => ({
    name: assertSafeName(r.name),
    version: assertSafeVersion(r.name, r.version),
  }));
  const blocked = report.find((r) => excluded(r.name, exclusions));
  if (blocked) {
    // pip would change an excluded package as a dependency; there is no safe subset to pick here.
    for (const p of candidates) {
      withheld.push({
        name: p.name,
        reason: `upgrading would also change excluded package ${blocked.name} (to ${blocked.version}) in ${target.scope}`,
      });
    }
    return { updates: [], withheld };
  }

  const planned = new Map(report.map((r) => [normalizeName(r.name), r]));
  const updates: Update[] = [];
  for (const p of candidates) {
    const r = planned.get(normalizeName(p.name));
    planned.delete(normalizeName(p.name));
    if (r && r.version !== p.version) {
      updates.push({ name: p.name, from: p.version, to: r.version, scope: target.scope });
      continue;
    }
    let reason: string;
    if (!options.allow_major && isMajorBump(p.version, p.latest)) reason = majorReason(p, target);
    else if (options.constraints)
      reason = `held at ${p.version} by constraints file ${options.constraints} (latest ${p.latest}) in ${target.scope}`;
    else reason = `pip would not upgrade it in ${target.scope} (latest ${p.latest}; the other installed packages' requirements hold it)`;
    withheld.push({ name: p.name, reason });
  }
  // Dependencies pip would install or upgrade too: planned exactly, so the plan is what runs.
  if (planned.size > 0) {
    const installed = new Map(parsePipList((await exec.read(pipArgv.list(target))).stdout).map((p) => [normalizeName(p.name), p.version]));
    for (const [key, r] of planned) {
      const from = installed.get(key) ?? null;
      if (from !== r.version) updates.push({ name: r.name, from, to: r.version, scope: target.scope });
    }
  }
  return { updates, withheld };
}

/** `pip list --outdated`, with names and versions checked before they can reach argv. */
export async function readOutdated(exec: Exec, target: PipTarget): Promise<OutdatedPackage[]> {
  const res = await exec.read(pipArgv.outdated(target));
  const unreachable = indexUnreachable(res.stderr);
  if (unreachable) {
    // pip still exits 0 and prints [] here: reporting "nothing pending" would be a lie.
    throw new UnrotError('E_EXEC_FAILED', `pip could not reach the package index for ${target.scope}: ${unreachable}`, {
      argv: res.argv,
      exitCode: res.exitCode,
      stderr: res.stderr.slice(-2000),
    });
  }
  return parseOutdated(res.stdout).map((p) => ({
    name: assertSafeName(p.name),
    version: assertSafeVersion(p.name, p.version),
    latest: assertSafeVersion(p.name, p.latest),
  }));
}

function majorReason(p: OutdatedPackage, target: PipTarget): string {
  return `major upgrade ${p.version} → ${p.latest} not allowed (allow_major: false) in ${target.scope}`;
}
