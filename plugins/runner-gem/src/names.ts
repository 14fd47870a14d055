import { UnrotError } from '@unrot/sdk';
import { isGemVersion } from './gem-version.js';

/**
 * RubyGems accepts letters, digits, `.`, `-` and `_` in a name (Gem::Specification#validate_name).
 * A leading `-` or `.` is refused: in argv it would read as an option or a hidden path.
 */
const GEM_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function isValidGemName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && GEM_NAME.test(name);
}

/** Rejects a name from tool output or a stored check result that must not reach argv. */
export function assertSafeName(name: string, source: string): string {
  if (!isValidGemName(name)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `${source} listed a gem name that breaks RubyGems' name rules: ${JSON.stringify(name)}`, {
      name,
      source,
    });
  }
  return name;
}

export function assertSafeVersion(name: string, version: string, source: string): string {
  if (!isGemVersion(version)) {
    throw new UnrotError(
      'E_RUNNER_UNSAFE_NAME',
      `${source} gave ${name} a version that is not a RubyGems version: ${JSON.stringify(version)}`,
      {
        name,
        version,
        source,
      },
    );
  }
  return version;
}
