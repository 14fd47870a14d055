import { isExcluded, UnrotError } from '@unrot/sdk';

// makepkg's lint_pkgname and the Arch package guidelines: alphanumerics and @ . _ + -, not
// starting with - or . (pacman would read a leading - as an option). Bounded for sanity.
const PACKAGE_NAME = /^[A-Za-z0-9@_+][A-Za-z0-9@._+-]{0,254}$/;
// makepkg's lint_pkgver/pkgrel/epoch: [epoch:]pkgver-pkgrel, no whitespace, no / in any part.
const PACKAGE_VERSION = /^(?:[0-9]+:)?[^\s/:-]+-[0-9]+(?:\.[0-9]+)?$/;

export function isPacmanPackageName(name: string): boolean {
  return PACKAGE_NAME.test(name);
}

/** Every name parsed from pacman's output passes here before it can reach argv. */
export function assertPacmanName(name: string, context: string): string {
  if (!isPacmanPackageName(name)) {
    throw new UnrotError(
      'E_RUNNER_UNSAFE_NAME',
      `pacman printed a package name that is not an Arch package name: ${JSON.stringify(name)}`,
      {
        name,
        context,
      },
    );
  }
  return name;
}

export function isPacmanVersion(version: string): boolean {
  return version.length <= 255 && PACKAGE_VERSION.test(version);
}

/** A policy exclusion (name or `*`/`?` glob, the SDK's rule). */
export function excluded(name: string, exclusions: readonly string[]): boolean {
  return isExcluded(name, exclusions);
}

export const EXCLUDED_REASON = 'excluded by policy (pacman -Syu --ignore)';
