import { type ExecResult, UnrotError } from '@unrot/sdk';

/** One row of an outdated listing, as the package manager printed it (not yet validated). */
export interface OutdatedEntry {
  name: string;
  current?: string;
  wanted?: string;
  latest?: string;
  /** dependencies, devDependencies, … where the tool says (yarn and pnpm do; npm without --long does not). */
  type?: string;
}

export type InstalledVersions = Map<string, string>;

function tail(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
}

/**
 * Outdated commands exit 1 both for "something is outdated" and for real failures
 * (registry unreachable). Output that cannot be parsed after a non-zero exit is the
 * failure; after exit 0 it is a parse problem.
 */
export function commandFailed(result: ExecResult, source: string, why?: string): UnrotError {
  const detail = why ?? tail(result.stderr || result.stdout);
  return new UnrotError('E_EXEC_FAILED', `${source} failed (exit ${result.exitCode}): ${detail}`, {
    argv: result.argv,
    exitCode: result.exitCode,
    stderr: result.stderr.slice(-2000),
  });
}

export function parseJson(result: ExecResult, source: string): unknown {
  try {
    return JSON.parse(result.stdout);
  } catch (error) {
    if (result.exitCode !== 0) throw commandFailed(result, source);
    throw new UnrotError(
      'E_RUNNER_PARSE',
      `${source} printed output that is not JSON: ${result.stdout.slice(0, 200)}`,
      { source },
      { cause: error },
    );
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseError(source: string, what: string): UnrotError {
  return new UnrotError('E_RUNNER_PARSE', `${source}: ${what}`, { source });
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
