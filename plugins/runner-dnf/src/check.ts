import { type CheckResult, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { checkUpdateArgv, repoqueryArgv, rpmQueryArgv, versionArgv } from './argv.js';
import { compareEvr, type Evr, formatEvr } from './evr.js';
import { type DnfFlavour, parseDnfVersion } from './flavour.js';
import { dnfFailure, withLockWait } from './lock-wait.js';
import { excluded } from './names.js';
import type { DnfOptions } from './options.js';
import { parseRepoquery, parseRpmQuery, type RpmPackage } from './parse-query.js';

const key = (p: { name: string; arch: string }) => `${p.name}.${p.arch}`;

/** Per name.arch, the candidate apply will install: the newest (mode upgrade) or the lowest newer one (upgrade-minimal). */
export function pickCandidates(candidates: readonly RpmPackage[], installed: ReadonlyMap<string, Evr>, minimal: boolean): RpmPackage[] {
  const best = new Map<string, RpmPackage>();
  for (const c of candidates) {
    const now = installed.get(key(c));
    if (now && compareEvr(c, now) <= 0) continue;
    const kept = best.get(key(c));
    if (!kept || (minimal ? compareEvr(c, kept) < 0 : compareEvr(c, kept) > 0)) best.set(key(c), c);
  }
  return [...best.values()].sort((a, b) => key(a).localeCompare(key(b)));
}

/** Highest installed version per name.arch (installonly packages such as kernels have several). */
export function installedVersions(pkgs: readonly RpmPackage[]): Map<string, Evr> {
  const out = new Map<string, Evr>();
  for (const p of pkgs) {
    const kept = out.get(key(p));
    if (!kept || compareEvr(p, kept) > 0) out.set(key(p), p);
  }
  return out;
}

async function flavourOf(ctx: RunnerContext<DnfOptions>): Promise<DnfFlavour> {
  return parseDnfVersion((await ctx.exec.read(versionArgv())).stdout);
}

/**
 * dnf check-update (refreshes metadata, exit 100/0/1), then the upgrade candidates from
 * `dnf repoquery --upgrades` and the installed versions from `rpm -q`. Excluded packages are
 * withheld; nothing else is changed.
 */
export async function checkDnf(ctx: RunnerContext<DnfOptions>): Promise<CheckResult> {
  const o = ctx.options;
  const flavour = await flavourOf(ctx);
  const checked = await withLockWait(ctx, 'read', checkUpdateArgv(o, flavour), { okExitCodes: [0, 1, 100, 200], timeoutMs: 600_000 });
  if (checked.exitCode !== 0 && checked.exitCode !== 100)
    throw dnfFailure(`${checked.argv.slice(2).join(' ')} failed`, checked, o.lock_timeout_s);

  const queried = await withLockWait(ctx, 'read', repoqueryArgv(o), { okExitCodes: [0, 1, 200], timeoutMs: 600_000 });
  if (queried.exitCode !== 0) throw dnfFailure('dnf repoquery --upgrades failed', queried, o.lock_timeout_s);
  const candidates = parseRepoquery(queried.stdout);
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'dnf check aborted');

  let picked: RpmPackage[] = [];
  let installed = new Map<string, Evr>();
  if (candidates.length > 0) {
    const names = [...new Set(candidates.map((c) => c.name))];
    // Exit 1 = some name is not installed (rpm prints "package X is not installed"); the rest is still printed.
    const rpm = await ctx.exec.read(rpmQueryArgv(names), { okExitCodes: [0, 1] });
    installed = installedVersions(parseRpmQuery(rpm.stdout));
    picked = pickCandidates(candidates, installed, o.mode === 'upgrade-minimal');
  }
  if ((checked.exitCode === 100) !== picked.length > 0) {
    ctx.log.warn(
      { checkUpdateExit: checked.exitCode, candidates: picked.map(key) },
      'dnf check-update and repoquery --upgrades disagree (obsoleting packages are not upgrades for repoquery); the repoquery list is used',
    );
  }

  // Two architectures of one name pending (multilib): name.arch keeps them apart.
  const archs = new Map<string, number>();
  for (const p of picked) archs.set(p.name, (archs.get(p.name) ?? 0) + 1);
  const updates: Update[] = [];
  const withheld: CheckResult['withheld'] = [];
  for (const p of picked) {
    const name = (archs.get(p.name) ?? 0) > 1 ? key(p) : p.name;
    if (excluded(p.name, p.arch, ctx.exclusions)) {
      withheld.push({ name, reason: 'excluded by policy' });
      continue;
    }
    const from = installed.get(key(p));
    updates.push({ name, from: from ? formatEvr(from) : null, to: formatEvr(p) });
  }
  return { updates, withheld };
}
