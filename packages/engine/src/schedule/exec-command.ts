import { UnrotError } from '@unrot/sdk';

/**
 * Paths in ExecStart= and cron lines must survive both formats unquoted: systemd expands
 * `%` specifiers and splits on spaces, cron turns `%` into newlines and hands the line to
 * /bin/sh. So only a plain absolute-path alphabet is accepted; anything else is refused.
 */
const SAFE_ARG = /^[A-Za-z0-9_@./:+=,-]+$/;

export function assertSafeArgv(argv: readonly string[]): void {
  const [exe] = argv;
  if (!exe?.startsWith('/')) throw new UnrotError('E_USAGE', `the command must start with an absolute path, got '${exe ?? ''}'`);
  for (const arg of argv) {
    if (!SAFE_ARG.test(arg))
      throw new UnrotError('E_USAGE', `'${arg}' cannot be written into a unit or cron file unquoted (allowed: letters, digits, _@./:+=,-)`);
  }
}

/** `unrot run` as the timer or cron starts it: absolute program (+ script) and an explicit --config. */
export function runArgv(program: readonly string[], configDir: string): string[] {
  const argv = [...program, 'run', '--config', configDir];
  assertSafeArgv(argv);
  return argv;
}
