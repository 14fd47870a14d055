import type { ExecResult } from '@unrot/sdk';
import { type InstalledVersions, isRecord, type OutdatedEntry, optionalString, parseError, parseJson } from './parse-common.js';

/**
 * `pnpm outdated --format json`: `{ name: { current, latest, wanted, dependencyType } }`.
 * pnpm's `wanted` is the version the lockfile wants (not the newest in range); with
 * `--compatible` the listing keeps only in-range updates and `latest` is the newest in range.
 */
export function parsePnpmOutdated(result: ExecResult, source = 'pnpm outdated'): OutdatedEntry[] {
  const data = parseJson(result, source);
  if (!isRecord(data)) throw parseError(source, 'expected a JSON object');
  return Object.entries(data).map(([name, row]) => {
    if (!isRecord(row)) throw parseError(source, `entry ${name} is not an object`);
    return {
      name,
      current: optionalString(row['current']),
      wanted: optionalString(row['wanted']),
      latest: optionalString(row['latest']),
      type: optionalString(row['dependencyType']),
    };
  });
}

/** Joins the plain listing (true latest) with the `--compatible` one (newest in range → wanted). */
export function mergePnpmOutdated(all: OutdatedEntry[], compatible: OutdatedEntry[]): OutdatedEntry[] {
  const inRange = new Map(compatible.map((e) => [e.name, e.latest]));
  return all.map((e) => ({ ...e, wanted: inRange.get(e.name) ?? e.current }));
}

/** `pnpm list --json --depth=0`: an array with one object per project holding (dev|optional)Dependencies. */
export function parsePnpmList(result: ExecResult, source = 'pnpm list'): InstalledVersions {
  const data = parseJson(result, source);
  if (!Array.isArray(data)) throw parseError(source, 'expected a JSON array');
  const installed: InstalledVersions = new Map();
  const project = data[0];
  if (project === undefined) return installed;
  if (!isRecord(project)) throw parseError(source, 'project entry is not an object');
  for (const key of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const deps = project[key];
    if (!isRecord(deps)) continue;
    for (const [name, value] of Object.entries(deps)) {
      const version = isRecord(value) ? optionalString(value['version']) : undefined;
      if (version !== undefined) installed.set(name, version);
    }
  }
  return installed;
}
