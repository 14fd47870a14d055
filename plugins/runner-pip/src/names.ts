import { UnrotError } from '@unrot/sdk';

/** PEP 508 project names; anything else from pip's output never reaches argv. */
const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
/** PEP 440 public and local versions (with the common non-normalised spellings pip prints). */
const VERSION =
  /^v?(\d+!)?\d+(\.\d+)*([._-]?(a|b|c|rc|alpha|beta|pre|preview)[._-]?\d*)?([._-]?(post|rev|r)[._-]?\d*|-\d+)?([._-]?dev[._-]?\d*)?(\+[a-z0-9]+([._-][a-z0-9]+)*)?$/i;

export function assertSafeName(name: string): string {
  if (name.length > 214 || !NAME.test(name)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `refusing Python package name ${JSON.stringify(name)}: not a PEP 508 name`, { name });
  }
  return name;
}

export function assertSafeVersion(name: string, version: string): string {
  if (version.length > 128 || !VERSION.test(version)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `refusing version ${JSON.stringify(version)} of ${name}: not a PEP 440 version`, {
      name,
      version,
    });
  }
  return version;
}

/** PEP 503 normalisation: pip prints "Foo_Bar" in one place and "foo-bar" in another. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The first release number ("major"), ignoring an epoch; null when the version has none. */
export function majorOf(version: string): number | null {
  const match = /^v?(?:(\d+)!)?(\d+)/i.exec(version);
  if (!match) return null;
  return Number(match[2]);
}

/** True when `to` raises the first release number of `from` (epochs count as a major change). */
export function isMajorBump(from: string, to: string): boolean {
  const epoch = (v: string) => Number(/^v?(\d+)!/i.exec(v)?.[1] ?? 0);
  if (epoch(to) !== epoch(from)) return true;
  const a = majorOf(from);
  const b = majorOf(to);
  return a === null || b === null ? true : b > a;
}
