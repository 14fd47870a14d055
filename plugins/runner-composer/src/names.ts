import { UnrotError } from '@unrot/sdk';

/**
 * Composer's package name rule (its composer-schema.json `name` pattern): lower-case
 * `vendor/package`, words joined by `.`, `_` or `-`. Nothing else may reach argv.
 */
const COMPOSER_NAME = /^[a-z0-9]([_.-]?[a-z0-9]+)*\/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$/;

/**
 * A tagged release as Composer prints it (`1.1.0`, `v2.0.0`, `2.0.0-RC1`, `1.0.0.0`): it becomes
 * part of a `NAME:^VERSION` constraint. Branch versions (`dev-main 1a2b3c4`) are refused.
 */
const RELEASE_VERSION = /^v?\d+(\.\d+){0,3}([-+.]?[A-Za-z0-9]+([.-][A-Za-z0-9]+)*)?$/;

export function isComposerName(name: string): boolean {
  return name.length <= 214 && COMPOSER_NAME.test(name);
}

export function isReleaseVersion(version: string): boolean {
  return version.length <= 64 && RELEASE_VERSION.test(version) && !/dev/i.test(version);
}

/** Rejects a name from Composer output (or a stored check result) that must not reach argv. */
export function assertSafeName(name: string, source: string): string {
  if (!isComposerName(name)) {
    throw new UnrotError(
      'E_RUNNER_UNSAFE_NAME',
      `${source} listed a package name that breaks Composer's name rules: ${JSON.stringify(name)}`,
      {
        name,
        source,
      },
    );
  }
  return name;
}

export function assertSafeVersion(name: string, version: string, source: string): string {
  if (!isReleaseVersion(version)) {
    throw new UnrotError(
      'E_RUNNER_UNSAFE_NAME',
      `${source} gave ${name} a version that is not a release version: ${JSON.stringify(version)}`,
      {
        name,
        version,
        source,
      },
    );
  }
  return version;
}
