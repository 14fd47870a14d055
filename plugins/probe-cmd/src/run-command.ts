import { compileRegex, type Exec, isUnrotError, outputMismatch, type ProbeAttempt, UnrotError } from '@unrot/sdk';
import type { CmdOptions } from './options.js';

/** Every exit status comes back as a result, so the detail can say which one it was. */
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * Runs argv once through exec.read. Only argv[0] is named in the detail: later arguments
 * may carry credentials (curl -u, tokens).
 */
export async function runCommand(exec: Pick<Exec, 'read'>, options: CmdOptions, signal: AbortSignal): Promise<ProbeAttempt> {
  const [file] = options.argv;
  if (file === undefined || file.length === 0) throw new UnrotError('E_CONFIG', 'argv must name a command');
  compileRegex(options.stdout_regex, 'stdout_regex');
  if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', `cmd probe ${file} aborted before it started`);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let result: Awaited<ReturnType<Exec['read']>>;
  try {
    result = await exec.read(options.argv, { timeoutMs: options.timeout_ms, okExitCodes: ANY_EXIT });
  } catch (error) {
    if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', `cmd probe ${file} aborted`);
    if (isUnrotError(error) && error.code === 'E_EXEC_TIMEOUT')
      return { ok: false, durationMs: elapsed(), detail: `${file} did not finish within ${options.timeout_ms} ms` };
    if (isUnrotError(error) && error.code === 'E_EXEC_ABORTED') throw error;
    return { ok: false, durationMs: elapsed(), detail: `${file} could not run: ${isUnrotError(error) ? error.code : 'error'}` };
  }
  const durationMs = elapsed();
  if (result.exitCode !== 0) {
    const why =
      result.exitCode === 127
        ? 'not found'
        : result.exitCode === 126
          ? 'not executable'
          : firstLine(result.stderr) || firstLine(result.stdout);
    return { ok: false, durationMs, detail: `${file} exited ${result.exitCode}${why ? `: ${why}` : ''}` };
  }
  const mismatch = outputMismatch(result.stdout, { contains: options.stdout_contains, regex: options.stdout_regex }, 'stdout');
  if (mismatch) return { ok: false, durationMs, detail: `${file} exited 0 but ${mismatch}` };
  return { ok: true, durationMs, detail: `${file} exited 0 in ${durationMs} ms` };
}
