import { type ExecResult, UnrotError } from '@unrot/sdk';
import { composerFailed } from './failure.js';

/** One row of `composer outdated --format=json` / `composer show --format=json`, not yet validated. */
export interface PackageRow {
  name: string;
  version: string;
  latest?: string;
  /** `up-to-date`, `semver-safe-update` (same major) or `update-possible` (a new major). */
  latestStatus?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseError(source: string, what: string, stdout: string): UnrotError {
  return new UnrotError('E_RUNNER_PARSE', `${source}: ${what}`, { source, stdout: stdout.slice(0, 500) });
}

/**
 * `{"installed": [{ name, version, latest?, latest-status? … }]}` (`"locked"` with --locked).
 * Measured with Composer 2.5.5: a project without vendor/ prints `[]` and, on stderr only,
 * "No dependencies installed. Try running composer install or update." with exit 0.
 */
export function parsePackageList(result: ExecResult, source: string): PackageRow[] {
  if (result.exitCode !== 0) throw composerFailed(result, source);
  let data: unknown;
  try {
    data = JSON.parse(result.stdout);
  } catch (error) {
    throw new UnrotError(
      'E_RUNNER_PARSE',
      `${source} printed output that is not JSON: ${result.stdout.slice(0, 200)}`,
      { source },
      { cause: error },
    );
  }
  if (Array.isArray(data) && data.length === 0) return [];
  if (!isRecord(data)) throw parseError(source, 'expected a JSON object', result.stdout);
  const list = data['installed'] ?? data['locked'];
  if (!Array.isArray(list)) throw parseError(source, 'no "installed" list', result.stdout);
  return list.map((row, i) => {
    if (!isRecord(row) || typeof row['name'] !== 'string' || typeof row['version'] !== 'string') {
      throw parseError(source, `entry ${i} has no name and version`, result.stdout);
    }
    return {
      name: row['name'],
      version: row['version'],
      latest: typeof row['latest'] === 'string' ? row['latest'] : undefined,
      latestStatus: typeof row['latest-status'] === 'string' ? row['latest-status'] : undefined,
    };
  });
}

/**
 * `composer update --dry-run` prints its operations on stderr (Composer 2.5.5, measured):
 * `  - Upgrading acme/demo-lib (1.0.0 => 1.1.0)`, once under "Lock file operations" and once
 * under "Package operations". Returns name → the version the resolver would move to.
 */
export function parseDryRunUpgrades(output: string): Map<string, string> {
  const upgrades = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^\s*- Upgrading (\S+) \((.+) => (.+)\)\s*$/.exec(line);
    if (m && !upgrades.has(m[1] as string)) upgrades.set(m[1] as string, (m[3] as string).trim());
  }
  return upgrades;
}

/** require and require-dev of composer.json (read with `cat`; every byte is untrusted). */
export interface Manifest {
  require: Map<string, string>;
  requireDev: Map<string, string>;
}

export function parseManifest(text: string, source: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UnrotError('E_RUNNER_PARSE', `${source} is not valid JSON`, { source }, { cause: error });
  }
  if (!isRecord(data)) throw parseError(source, 'expected a JSON object', text);
  const section = (key: string): Map<string, string> => {
    const value = data[key];
    const out = new Map<string, string>();
    if (!isRecord(value)) return out;
    // Composer compares package names case-insensitively; its output uses lower case.
    for (const [name, constraint] of Object.entries(value)) if (typeof constraint === 'string') out.set(name.toLowerCase(), constraint);
    return out;
  };
  return { require: section('require'), requireDev: section('require-dev') };
}
