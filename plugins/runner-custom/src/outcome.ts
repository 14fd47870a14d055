import { type ExecResult, toUnrotError, UnrotError } from '@unrot/sdk';
import { TIMED_OUT_EXIT_CODES } from './argv.js';

export function throwIfAborted(signal: AbortSignal, where: string): void {
  if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', `custom runner ${where} aborted`);
}

const stderrSummary = (stderr: string): string => stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);

/**
 * The coded error for an exit code that is not success. `subject` names the command
 * ("custom command 'refresh-app'"); `argv0` is the admin's argv[0], not the `timeout` wrapper.
 */
export function exitError(
  r: ExecResult,
  subject: string,
  argv0: string,
  timeoutS: number | undefined,
  details: Record<string, unknown>,
): UnrotError {
  const all = { ...details, argv: [...r.argv], exitCode: r.exitCode, stderr: r.stderr.slice(-2000) };
  const said = stderrSummary(r.stderr);
  if (r.exitCode === 127) return new UnrotError('E_EXEC_NOT_FOUND', `${subject}: ${argv0} not found in the container`, all);
  if (r.exitCode === 126) return new UnrotError('E_EXEC_NOT_EXECUTABLE', `${subject}: ${argv0} is not executable in the container`, all);
  // Duration too: a command may exit 143 by itself, before its timeout.
  if (timeoutS !== undefined && TIMED_OUT_EXIT_CODES.includes(r.exitCode) && r.durationMs >= timeoutS * 1000) {
    return new UnrotError('E_EXEC_TIMEOUT', `${subject} outlived its timeout of ${timeoutS} s and was ended (exit ${r.exitCode})`, all);
  }
  return new UnrotError('E_EXEC_FAILED', `${subject} exited ${r.exitCode}${said ? `: ${said}` : ''}`, all);
}

/** An error the exec itself raised (host timeout, abort, spawn failure): same code, the command named. */
export function withSubject(thrown: unknown, subject: string, details: Record<string, unknown>): UnrotError {
  const e = toUnrotError(thrown, 'E_EXEC_FAILED');
  return new UnrotError(e.code, `${subject}: ${e.message}`, { ...e.details, ...details }, { cause: thrown });
}
