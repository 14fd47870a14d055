/**
 * The little semver this runner needs: strict parsing (versions go into argv) and
 * ordering. A full range engine is not needed because the package managers compute
 * `wanted` themselves.
 */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
}

export function parseSemver(value: string): SemVer | undefined {
  const m = SEMVER.exec(value);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ? m[4].split('.') : [] };
}

export function isSemver(value: unknown): value is string {
  return typeof value === 'string' && parseSemver(value) !== undefined;
}

function compareIdentifiers(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na) return -1;
  if (nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when a < b, 0 when equal, positive when a > b. Both must be valid semver. */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) throw new TypeError(`not semver: ${!x ? a : b}`);
  const core = x.major - y.major || x.minor - y.minor || x.patch - y.patch;
  if (core !== 0) return core;
  // A version without prerelease ranks above the same version with one.
  if (x.prerelease.length === 0 || y.prerelease.length === 0) return y.prerelease.length - x.prerelease.length;
  for (let i = 0; i < Math.max(x.prerelease.length, y.prerelease.length); i++) {
    const pa = x.prerelease[i];
    const pb = y.prerelease[i];
    if (pa === undefined) return -1;
    if (pb === undefined) return 1;
    const c = compareIdentifiers(pa, pb);
    if (c !== 0) return c;
  }
  return 0;
}

/** Would `^from` allow `to`? Used for global packages, which have no declared range. */
export function withinCaret(from: string, to: string): boolean {
  const x = parseSemver(from);
  const y = parseSemver(to);
  if (!x || !y) return false;
  if (x.major !== y.major) return false;
  if (x.major > 0) return true;
  if (x.minor !== y.minor) return false;
  return x.minor > 0 || x.patch === y.patch;
}
