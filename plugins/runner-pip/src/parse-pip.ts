import { UnrotError } from '@unrot/sdk';

export interface PipPackage {
  name: string;
  version: string;
}

export interface OutdatedPackage extends PipPackage {
  latest: string;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UnrotError('E_RUNNER_PARSE', `pip printed ${what} that is not JSON: ${text.trim().slice(0, 200)}`, {}, { cause: error });
  }
}

function str(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new UnrotError('E_RUNNER_PARSE', `pip ${what}: field ${field} is missing or not a string`);
  }
  return value;
}

/** `pip --version` → "pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)". */
export function parsePipVersion(stdout: string): { pip: string; python: string | null } {
  const match = /^pip (\S+) from .* \(python ([^)]+)\)\s*$/m.exec(stdout);
  if (!match?.[1]) throw new UnrotError('E_RUNNER_PARSE', `unexpected pip --version output: ${stdout.trim().slice(0, 200)}`);
  return { pip: match[1], python: match[2] ?? null };
}

/** Compares dotted release numbers only (enough to gate pip features by version). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const b = minimum.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** `pip list --format=json`. */
export function parsePipList(stdout: string): PipPackage[] {
  const data = parseJson(stdout, 'a package list');
  if (!Array.isArray(data)) throw new UnrotError('E_RUNNER_PARSE', 'pip list did not print a JSON array');
  return data.map((row: Record<string, unknown>) => ({
    name: str(row?.name, 'name', 'list'),
    version: str(row?.version, 'version', 'list'),
  }));
}

/** `pip list --outdated --format=json`. */
export function parseOutdated(stdout: string): OutdatedPackage[] {
  const data = parseJson(stdout, 'an outdated list');
  if (!Array.isArray(data)) throw new UnrotError('E_RUNNER_PARSE', 'pip list --outdated did not print a JSON array');
  return data.map((row: Record<string, unknown>) => ({
    name: str(row?.name, 'name', 'list --outdated'),
    version: str(row?.version, 'version', 'list --outdated'),
    latest: str(row?.latest_version, 'latest_version', 'list --outdated'),
  }));
}

/** `pip install --dry-run --report -` (pip ≥ 22.2): what would really be installed. */
export function parseInstallReport(stdout: string): PipPackage[] {
  const data = parseJson(stdout, 'an installation report') as { install?: unknown };
  if (typeof data !== 'object' || data === null || !Array.isArray(data.install)) {
    throw new UnrotError('E_RUNNER_PARSE', 'pip installation report has no "install" array');
  }
  return data.install.map((item: { metadata?: Record<string, unknown> }) => ({
    name: str(item?.metadata?.name, 'metadata.name', 'report'),
    version: str(item?.metadata?.version, 'metadata.version', 'report'),
  }));
}

/** pip reports nothing outdated when it cannot reach the index; its retry warnings are the only trace. */
export function indexUnreachable(stderr: string): string | null {
  const line = stderr.split('\n').find((l) => /Retrying \(Retry\(|Could not fetch URL|connection broken by/.test(l));
  return line ? line.trim().slice(0, 300) : null;
}
