import type { ExecResult } from '@unrot/sdk';
import { commandFailed, type InstalledVersions, isRecord, type OutdatedEntry, optionalString, parseError } from './parse-common.js';

function jsonLines(result: ExecResult, source: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value)) lines.push(value);
    } catch {
      throw parseError(source, `a line is not JSON: ${line.slice(0, 200)}`);
    }
  }
  return lines;
}

/**
 * Yarn classic `outdated --json` prints NDJSON events; the data is one
 * `{"type":"table","data":{"head":[…],"body":[[…]]}}` line. It exits 1 when something
 * is outdated and also on errors (then there is an `{"type":"error"}` line and no table).
 */
export function parseYarnOutdated(result: ExecResult, source = 'yarn outdated'): OutdatedEntry[] {
  const events = jsonLines(result, source);
  const error = events.find((e) => e['type'] === 'error');
  if (error) throw commandFailed(result, source, String(error['data']).split('\n')[0]);
  const table = events.find((e) => e['type'] === 'table');
  if (!table) {
    if (result.exitCode !== 0) throw commandFailed(result, source);
    return [];
  }
  const data = table['data'];
  if (!isRecord(data) || !Array.isArray(data['head']) || !Array.isArray(data['body'])) throw parseError(source, 'table has no head/body');
  const head = data['head'] as unknown[];
  const col = (label: string): number => {
    const i = head.indexOf(label);
    if (i < 0) throw parseError(source, `table has no ${label} column`);
    return i;
  };
  const [iName, iCurrent, iWanted, iLatest] = [col('Package'), col('Current'), col('Wanted'), col('Latest')];
  const iType = head.indexOf('Package Type');
  return (data['body'] as unknown[]).map((row) => {
    if (!Array.isArray(row)) throw parseError(source, 'table row is not an array');
    const name = optionalString(row[iName]);
    if (name === undefined) throw parseError(source, 'table row without a package name');
    return {
      name,
      current: optionalString(row[iCurrent]),
      wanted: optionalString(row[iWanted]),
      latest: optionalString(row[iLatest]),
      type: iType >= 0 ? optionalString(row[iType]) : undefined,
    };
  });
}

/** Yarn classic `list --json --depth=0`: `{"type":"tree","data":{"trees":[{"name":"ms@2.1.3"}]}}`. */
export function parseYarnList(result: ExecResult, source = 'yarn list'): InstalledVersions {
  const tree = jsonLines(result, source).find((e) => e['type'] === 'tree');
  const installed: InstalledVersions = new Map();
  if (!tree) {
    if (result.exitCode !== 0) throw commandFailed(result, source);
    throw parseError(source, 'no tree in the output');
  }
  const data = tree['data'];
  if (!isRecord(data) || !Array.isArray(data['trees'])) throw parseError(source, 'tree has no trees');
  for (const t of data['trees'] as unknown[]) {
    const spec = isRecord(t) ? optionalString(t['name']) : undefined;
    if (spec === undefined) continue;
    // "@scope/name@1.2.3": the version follows the last @ (index 0 is a scope's @).
    const at = spec.lastIndexOf('@');
    if (at > 0) installed.set(spec.slice(0, at), spec.slice(at + 1));
  }
  return installed;
}
