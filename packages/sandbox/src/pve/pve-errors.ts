/**
 * How the stand-in fails. Proxmox's tools fail with a Perl `die`: the message goes to stderr
 * and the exit code is 255 (or a task's 255). The stand-in mirrors that with one error class
 * that carries the exact text, so the bins can print it verbatim. It is deliberately not
 * UnrotError: the bins must not load @unrot/sdk (typebox) on every call, and these texts are
 * Proxmox's, not unrot's.
 */
export class PveError extends Error {
  /** Exit status of the command when this error ends it. */
  readonly exitCode: number;
  /** When set, printed to stderr after the message (e.g. a usage line). */
  readonly extra?: string;

  constructor(message: string, exitCode = 255, extra?: string) {
    super(message);
    this.name = 'PveError';
    this.exitCode = exitCode;
    if (extra !== undefined) this.extra = extra;
  }
}

/** Perl appends " at FILE line N.\n" to a die message without trailing newline. */
export function perlDieLocation(message: string, file: string, line: number): string {
  return `${message} at ${file} line ${line}.`;
}
