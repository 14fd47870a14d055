import { isExcluded, UnrotError } from '@unrot/sdk';

/** apk-package(5): `[a-zA-Z0-9.\_+-]`, starting with an alphanumeric character. */
const APK_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;

/**
 * apk-package(5): `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`. A version never
 * reaches argv; checking it catches lines the parsers misread.
 */
const APK_VERSION = /^[0-9]+(?:\.[0-9]+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(?:~[0-9a-f]+)?(?:-r[0-9]+)?$/;

export function isApkPackageName(name: string): boolean {
  return APK_NAME.test(name);
}

/** Every name parsed from apk output passes here before it can reach argv. */
export function assertApkPackageName(name: string, context: string): string {
  if (!isApkPackageName(name)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `apk printed a package name that is not an apk package name: ${JSON.stringify(name)}`, {
      name,
      context,
    });
  }
  return name;
}

export function assertApkVersion(version: string, line: string): string {
  if (!APK_VERSION.test(version)) {
    throw new UnrotError('E_RUNNER_PARSE', `apk printed a version that is not an apk version: ${JSON.stringify(version)}`, { line });
  }
  return version;
}

/** apk-package(5): `name-version` splits at the last `-` followed by a digit. */
export function splitNameVersion(nameVersion: string): { name: string; version: string } | undefined {
  const match = /^(.+)-([0-9][^-]*(?:-r[0-9]+)?)$/.exec(nameVersion);
  if (!match) return undefined;
  return { name: match[1] as string, version: match[2] as string };
}

export function excluded(name: string, exclusions: readonly string[]): boolean {
  return isExcluded(name, exclusions);
}

/** Reasons check gives packages apk itself leaves alone (a world pin, its solver): no exclusion is needed for them. */
export const HELD_BY_WORLD = 'held by /etc/apk/world';
export const KEPT_BY_SOLVER = 'kept at ';

/**
 * True when an exclusion matched something apk wanted to change: then check simulates, and plan
 * runs, `apk upgrade PKG…` of named packages. An excluded package apk holds anyway needs no naming.
 */
export function exclusionInTheWay(withheld: readonly { name: string; reason: string }[], exclusions: readonly string[]): boolean {
  return withheld.some((w) => excluded(w.name, exclusions) && !w.reason.startsWith(HELD_BY_WORLD) && !w.reason.startsWith(KEPT_BY_SOLVER));
}
