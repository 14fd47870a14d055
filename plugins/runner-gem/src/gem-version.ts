/**
 * RubyGems versions (Gem::Version): dot-separated segments, numeric or alphanumeric; a letter
 * anywhere makes it a prerelease. `1.0.a` < `1.0` and trailing zeros do not count (`1.0` == `1`).
 */
const GEM_VERSION = /^[0-9]+(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function isGemVersion(version: string): boolean {
  return version.length <= 128 && GEM_VERSION.test(version);
}

type Segment = number | string;

/** Gem::Version#canonical_segments: `-` reads as `.pre.`, numbers and letter runs split apart, trailing zeros dropped. */
function segments(version: string): Segment[] {
  const parts = (version.replace(/-/g, '.pre.').match(/[0-9]+|[a-z]+/gi) ?? []).map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p));
  const firstString = parts.findIndex((p) => typeof p === 'string');
  const release = firstString === -1 ? parts : parts.slice(0, firstString);
  const pre = firstString === -1 ? [] : parts.slice(firstString);
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  return [...release, ...pre];
}

export function isPrerelease(version: string): boolean {
  return /[a-z]/i.test(version);
}

/** <0, 0, >0 like Gem::Version#<=>. */
export function compareGemVersion(a: string, b: string): number {
  const left = segments(a);
  const right = segments(b);
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const l = left[i] ?? 0;
    const r = right[i] ?? 0;
    if (l === r) continue;
    if (typeof l === 'string' && typeof r === 'number') return -1;
    if (typeof l === 'number' && typeof r === 'string') return 1;
    return l < r ? -1 : 1;
  }
  return 0;
}

/** The first segment: what unrot calls the major for gems without a declared requirement. */
export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

export function highestVersion(versions: readonly string[]): string | undefined {
  return [...versions].sort(compareGemVersion).at(-1);
}
