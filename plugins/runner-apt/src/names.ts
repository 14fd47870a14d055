import { isExcluded, UnrotError } from '@unrot/sdk';

/** Debian policy §5.6.7 package name, optionally qualified with an architecture (`libc6:i386`). */
const DEBIAN_NAME = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9][a-z0-9-]*)?$/;

export function isDebianPackageName(name: string): boolean {
  return DEBIAN_NAME.test(name);
}

/** Every name parsed from apt output passes here before it can reach argv. */
export function assertDebianPackageName(name: string, context: string): string {
  if (!isDebianPackageName(name)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `apt printed a package name that is not a Debian package name: ${JSON.stringify(name)}`, {
      name,
      context,
    });
  }
  return name;
}

/** Debian policy §5.6.12 version: [epoch:]upstream[-revision], upstream starting with a digit. */
const DEBIAN_VERSION = /^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$/;

/** A version parsed from apt output, checked before it is put into `name=version` in argv. */
export function assertDebianVersion(name: string, version: string, context: string): string {
  if (!DEBIAN_VERSION.test(version) || version.length > 256) {
    throw new UnrotError(
      'E_RUNNER_UNSAFE_NAME',
      `apt printed a version of ${name} that is not a Debian version: ${JSON.stringify(version)}`,
      {
        name,
        version,
        context,
      },
    );
  }
  return version;
}

/** `libc6:amd64` → `libc6`; dpkg-query prints names without the architecture. */
export function baseName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

/** Exclusions match `name` or `name` without `:arch`. */
export function excluded(name: string, exclusions: readonly string[]): boolean {
  return isExcluded(name, exclusions) || isExcluded(baseName(name), exclusions);
}

/**
 * True when an exclusion matched something apt wanted to change. check and plan share this
 * rule: then check simulates, and plan runs, `install --only-upgrade` of named packages.
 */
export function exclusionInTheWay(withheld: readonly { name: string }[], exclusions: readonly string[]): boolean {
  return withheld.some((w) => excluded(w.name, exclusions));
}
