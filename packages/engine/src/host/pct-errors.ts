import { UnrotError } from '@unrot/sdk';

// Exact texts pct dies with before it execs lxc-attach (pct-reference §0, §8). pct prints only
// this line, so the whole trimmed stderr must match: a command inside the container that
// happens to print something similar among other output is not mistaken for it.
const NOT_FOUND = /^Configuration file 'nodes\/[^/']+\/lxc\/(\d+)\.conf' does not exist$/;
const NOT_RUNNING = /^container '(\d+)' not running!$/;
// lxc-attach's own lines when the CT stopped between pct's running check and the attach
// (captured, LXC 5.0.2): every stderr line is one of these, exit 1.
const ATTACH_NO_INIT = /^lxc-attach: (\d+): \S+ (?:get_attach_context|lxc_attach): \d+ .*Failed to get (?:init pid|attach context)$/;

/**
 * Maps a failed pct/pvesh call to the coded error a caller acts on, or undefined when the
 * stderr is not one of pct's own container errors (then the exit code is the command's).
 */
export function pctContainerError(vmid: number, exitCode: number, stderr: string, argv: readonly string[]): UnrotError | undefined {
  if (exitCode === 0) return undefined;
  const text = stderr.trim();
  const details = { vmid, argv, exitCode, stderr: text };
  const notFound = NOT_FOUND.exec(text);
  if (notFound && Number(notFound[1]) === vmid)
    return new UnrotError('E_CT_NOT_FOUND', `container ${vmid} does not exist: ${text}`, details);
  const notRunning = NOT_RUNNING.exec(text);
  if (notRunning && Number(notRunning[1]) === vmid) return new UnrotError('E_CT_NOT_RUNNING', `container ${vmid} is not running`, details);
  const lines = text.split('\n');
  if (lines.some((l) => /Failed to get init pid$/.test(l)) && lines.every((l) => Number(ATTACH_NO_INIT.exec(l)?.[1]) === vmid)) {
    return new UnrotError('E_CT_NOT_RUNNING', `container ${vmid} stopped before the command could be attached`, details);
  }
  return undefined;
}
