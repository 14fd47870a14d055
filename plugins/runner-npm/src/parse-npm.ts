import type { ExecResult } from '@unrot/sdk';
import {
  commandFailed,
  type InstalledVersions,
  isRecord,
  type OutdatedEntry,
  optionalString,
  parseError,
  parseJson,
} from './parse-common.js';

/**
 * `npm outdated --json` (npm 7+): `{ name: { current?, wanted, latest, dependent, location } }`;
 * a name with several dependents (workspaces) maps to an array. On failure npm prints
 * `{ "error": { code, summary, detail } }` and exits 1, the same exit as "outdated".
 */
export function parseNpmOutdated(result: ExecResult, source = 'npm outdated'): OutdatedEntry[] {
  const data = parseJson(result, source);
  if (!isRecord(data)) throw parseError(source, 'expected a JSON object');
  const error = data['error'];
  if (isRecord(error) && ('summary' in error || 'code' in error) && !('latest' in error)) {
    throw commandFailed(result, source, `${String(error['code'] ?? '')} ${String(error['summary'] ?? '')}`.trim());
  }
  const entries: OutdatedEntry[] = [];
  for (const [name, value] of Object.entries(data)) {
    // With workspaces one name may be listed per dependent; the first row is enough for a top-level project.
    const row = Array.isArray(value) ? value[0] : value;
    if (!isRecord(row)) throw parseError(source, `entry ${name} is not an object`);
    entries.push({
      name,
      current: optionalString(row['current']),
      wanted: optionalString(row['wanted']),
      latest: optionalString(row['latest']),
    });
  }
  return entries;
}

/** `npm ls --json --depth=0`: `{ dependencies: { name: { version } } }`; exits 1 on tree problems (still JSON). */
export function parseNpmLs(result: ExecResult, source = 'npm ls'): InstalledVersions {
  const data = parseJson(result, source);
  if (!isRecord(data)) throw parseError(source, 'expected a JSON object');
  const installed: InstalledVersions = new Map();
  const deps = data['dependencies'];
  const error = data['error'];
  // Tree problems (a missing devDependency of a production install) still list the tree; a failure does not.
  if (deps === undefined && isRecord(error))
    throw commandFailed(result, source, `${String(error['code'] ?? '')} ${String(error['summary'] ?? '')}`.trim());
  if (deps === undefined) return installed;
  if (!isRecord(deps)) throw parseError(source, 'dependencies is not an object');
  for (const [name, value] of Object.entries(deps)) {
    const version = isRecord(value) ? optionalString(value['version']) : undefined;
    if (version !== undefined) installed.set(name, version);
  }
  return installed;
}
