import { UnrotError } from '@unrot/sdk';
import { isSemver } from './semver.js';

/**
 * npm's package name rules (validate-npm-package-name): at most 214 characters, URL-safe,
 * optionally scoped. Upper case is allowed because legacy packages (e.g. JSONStream) still
 * carry it. A leading `-` is refused although npm would accept it: in argv it would read as an option.
 */
const NPM_NAME = /^(?:@[a-z0-9~][a-z0-9._~-]*\/)?[A-Za-z0-9~][A-Za-z0-9._~-]*$/;

export function isValidNpmName(name: string): boolean {
  return name.length > 0 && name.length <= 214 && NPM_NAME.test(name);
}

/** Rejects a name from package-manager output that must not reach argv. */
export function assertSafeName(name: string, source: string): string {
  if (!isValidNpmName(name)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `${source} listed a package name that breaks npm's name rules: ${JSON.stringify(name)}`, {
      name,
      source,
    });
  }
  return name;
}

export function assertSafeVersion(name: string, version: string, source: string): string {
  if (!isSemver(version)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `${source} gave ${name} a version that is not semver: ${JSON.stringify(version)}`, {
      name,
      version,
      source,
    });
  }
  return version;
}
