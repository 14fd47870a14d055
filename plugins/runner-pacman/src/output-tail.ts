/** The engine's report keeps the last 50 lines of a failed command; errors the runner raises itself keep the same. */
const TAIL_LINES = 50;

export function outputTail(stdout: string, stderr: string): string[] {
  const lines = (s: string) =>
    s
      .replace(/\r\n/g, '\n')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.slice(0, 500));
  const out = lines(stdout);
  const err = lines(stderr);
  const errKeep = Math.min(err.length, Math.max(TAIL_LINES / 2, TAIL_LINES - out.length));
  const outKeep = Math.min(out.length, TAIL_LINES - errKeep);
  return [...out.slice(out.length - outKeep), ...err.slice(err.length - errKeep)];
}

/** pacman's own `error:` lines, for the message. */
export function pacmanErrors(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('error:') || l.startsWith(':: '))
    .join(' | ')
    .slice(0, 500);
}
