import { type Exec, type ExecResult, UnrotError } from '@unrot/sdk';

/** Every exit code: the runner decides what failed, so its error carries the tool's last words. */
export const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

/** `scheme://user:password@host` → `scheme://***@host` anywhere in a text. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

// Ruby backtrace lines (`/usr/lib/ruby/…/builder.rb:95:in `run'`, wrapped by Bundler at 80 columns
// into a trailing "`build'" line) push the tool's own explanation out of a short tail.
const BACKTRACE = /\.rb:\d+:in(?: |$)/;
const WRAPPED_FRAME = /^`?[A-Za-z_][\w ()<>!?]*'$/;

/**
 * The last lines of stderr (of stdout when stderr is empty) without blank lines and Ruby backtrace
 * frames, credentials redacted: where gem and bundle say why (a failed build's own message included).
 */
export function outputTail(result: Pick<ExecResult, 'stdout' | 'stderr'>, lines = 20): string {
  const text = result.stderr.trim() !== '' ? result.stderr : result.stdout;
  const kept = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !BACKTRACE.test(l) && !WRAPPED_FRAME.test(l.trim()));
  return redactCredentials(kept.slice(-lines).join('\n'));
}

export function failed(result: ExecResult, what: string, tail = outputTail(result)): UnrotError {
  return new UnrotError('E_EXEC_FAILED', `${what}: ${result.argv.join(' ')} exited ${result.exitCode}: ${tail}`, {
    argv: result.argv.map(redactCredentials),
    exitCode: result.exitCode,
    tail,
  });
}

/** Runs a read-only command; exit codes outside `ok` fail with the output's tail. */
export async function readTool(exec: Exec, argv: readonly string[], ok: readonly number[], what: string): Promise<ExecResult> {
  const result = await exec.read(argv, { okExitCodes: ANY_EXIT });
  if (result.exitCode === 127) throw new UnrotError('E_EXEC_NOT_FOUND', `${argv.join(' ')}: command not found in the container`, { argv });
  if (!ok.includes(result.exitCode)) throw failed(result, what);
  return result;
}
