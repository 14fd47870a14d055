import { type CheckResult, isExcluded, type Update } from '@unrot/sdk';
import { assertSafeName, assertSafeVersion } from './names.js';
import type { OutdatedEntry } from './parse-common.js';
import { compareSemver, isSemver, withinCaret } from './semver.js';

type Withheld = CheckResult['withheld'][number];

export interface ClassifyInput {
  entries: readonly OutdatedEntry[];
  scope: string;
  /** Global packages have no declared range: a major bump of the installed version counts as "out of range". */
  global: boolean;
  allowMajor: boolean;
  /** Withhold devDependencies: the project was installed without them. */
  production: boolean;
  exclusions: readonly string[];
  source: string;
}

function newer(candidate: string | undefined, than: string): string | undefined {
  return candidate !== undefined && isSemver(candidate) && compareSemver(candidate, than) > 0 ? candidate : undefined;
}

/** Turns one outdated listing into updates and withheld entries (reasons name the scope). */
export function classify(input: ClassifyInput): { updates: Update[]; withheld: Withheld[] } {
  const updates: Update[] = [];
  const withheld: Withheld[] = [];
  const { scope } = input;
  for (const entry of input.entries) {
    const name = assertSafeName(entry.name, input.source);
    if (isExcluded(name, input.exclusions)) {
      withheld.push({ name, reason: `excluded by policy (${scope})` });
      continue;
    }
    if (input.production && entry.type === 'devDependencies') {
      // yarn lists a devDependency of a production install with the lockfile's version as "current".
      withheld.push({ name, reason: `devDependency, and production is true (${scope})` });
      continue;
    }
    const current = entry.current;
    if (current === undefined) {
      // unrot keeps installed software current; installing what is missing (e.g. devDependencies of a
      // production install) would change what the application consists of.
      withheld.push({ name, reason: `not installed, so not updated (${scope})` });
      continue;
    }
    if (!isSemver(current)) {
      withheld.push({ name, reason: `installed as ${current}, not a registry version (${scope})` });
      continue;
    }
    const latest = newer(entry.latest, current);
    let inRange: string | undefined;
    let beyond: string | undefined;
    if (input.global) {
      if (latest !== undefined && withinCaret(current, latest)) inRange = latest;
      else beyond = latest;
    } else {
      inRange = newer(entry.wanted, current);
      beyond = latest !== undefined && (inRange === undefined || compareSemver(latest, inRange) > 0) ? latest : undefined;
    }
    let target = inRange;
    if (beyond !== undefined) {
      if (input.allowMajor) target = beyond;
      else {
        const range = input.global ? `a new major over ${current}` : 'outside the declared range';
        const also = inRange !== undefined ? `; updating within it to ${inRange}` : '';
        withheld.push({ name, reason: `${beyond} is ${range} and allow_major is false${also} (${scope})` });
      }
    }
    if (target !== undefined) updates.push({ name, from: current, to: assertSafeVersion(name, target, input.source), scope });
  }
  return { updates, withheld };
}
