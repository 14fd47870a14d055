import type { CustomCommand } from './options.js';

/** Seconds between TERM and KILL when a command outlives its timeout. */
export const KILL_AFTER_S = 10;
/** How much longer the host side waits than the in-container timeout, so `timeout` reports first. */
export const HOST_MARGIN_S = 5;

/** Every exit code: the runner classifies them itself, the same way under every Exec. */
export const ALL_EXIT_CODES: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/**
 * What apply runs. With a timeout the command is wrapped in `timeout` so it is ended inside the
 * container even when killing the host-side `pct exec` does not reach it. `-k` rather than
 * `--kill-after=`: busybox (Alpine) only knows the short option.
 */
export function stepArgv(command: CustomCommand): string[] {
  if (command.timeout === undefined) return [...command.argv];
  return ['timeout', '-k', String(KILL_AFTER_S), String(command.timeout), ...command.argv];
}

/** Host-side limit for a command with a timeout: the wrapper's TERM and KILL, plus a margin. */
export function stepTimeoutMs(command: CustomCommand): number | undefined {
  return command.timeout === undefined ? undefined : (command.timeout + KILL_AFTER_S + HOST_MARGIN_S) * 1000;
}

/** detect: is an absolute argv[0] an executable file in the container? Exit 0 yes, 1 no. */
export const executableArgv = (path: string): string[] => ['test', '-x', path];

/** detect: does `timeout` exist and understand `-k`? Runs `true`, which changes nothing. */
export const timeoutProbeArgv = (): string[] => ['timeout', '-k', '1', '10', 'true'];

/** Exit codes `timeout` gives when it ended the command: GNU/toybox 124 (TERM) or 137 (KILL), busybox 143. */
export const TIMED_OUT_EXIT_CODES: readonly number[] = [124, 137, 143];
