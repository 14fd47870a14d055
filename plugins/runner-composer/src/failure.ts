import { type ExecResult, UnrotError } from '@unrot/sdk';

/** Every exit code: the runner judges Composer's exit itself, to keep the tool's words. */
export const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/** `scheme://user:password@host` → `scheme://***@host`: repository URLs may carry credentials. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, '$1***@');
}

// Lines Composer prints on every run that say nothing about the failure.
const NOISE = [
  /^Warning: Accessing .* over http which is an insecure protocol\.$/,
  /^Composer is operating significantly slower than normal/,
  /^Do not run Composer as root/,
  /^Loading composer repositories with package information$/,
  /^Updating dependencies$/,
  /^Installation failed, reverting/,
];
/** The usage synopsis Composer prints after an exception: `show [--all] [--locked] …`. */
const SYNOPSIS = /^[a-z][a-z-]* \[-/;

/**
 * The part of Composer's output that says what went wrong: the boxed exception message after
 * `In File.php line N:`, the resolver's `Problem N` block, a failing script's last lines, or
 * else the last meaningful lines. Credentials in URLs are hidden.
 */
export function composerErrorTail(output: string): string {
  const lines = redactCredentials(output)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !SYNOPSIS.test(l) && !NOISE.some((n) => n.test(l)));
  const box = lines.findIndex((l) => /^In \S+ line \d+:$/.test(l));
  if (box >= 0) {
    const next = lines.findIndex((l, i) => i > box && /^In \S+ line \d+:$/.test(l));
    return lines
      .slice(box + 1, next > box ? next : undefined)
      .join(' ')
      .slice(0, 800);
  }
  const resolver = lines.findIndex((l) => l.startsWith('Your requirements could not be resolved'));
  const picked = resolver >= 0 ? lines.slice(resolver, resolver + 8) : lines.slice(-6);
  return picked.join(' | ').slice(0, 800);
}

/** E_EXEC_FAILED with Composer's own words; `details.output` keeps the last 50 lines (redacted). */
export function composerFailed(result: ExecResult, what: string): UnrotError {
  const output = `${result.stdout}\n${result.stderr}`;
  return new UnrotError('E_EXEC_FAILED', `${what} failed (exit ${result.exitCode}): ${composerErrorTail(output)}`, {
    argv: result.argv.map(redactCredentials),
    exitCode: result.exitCode,
    output: redactCredentials(output).trim().split('\n').slice(-50).join('\n'),
  });
}

/**
 * Composer falls back to its cache when a repository cannot be reached and only warns
 * ("could not be fully loaded … loaded from the local cache"): a check on stale data would
 * promise updates that apply cannot fetch, so that warning is a failure here.
 */
export function repositoryWarning(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => l.includes('could not be fully loaded'));
  return line === undefined ? undefined : redactCredentials(line.trim()).slice(0, 800);
}
