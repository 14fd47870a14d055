import { type DetectResult, isExcluded, type RunnerContext } from '@unrot/sdk';
import { ALL_EXIT_CODES, executableArgv, timeoutProbeArgv } from './argv.js';
import type { CustomOptions } from './options.js';
import { throwIfAborted } from './outcome.js';
import { validateCommands } from './validate-commands.js';

/**
 * Custom commands apply to any container, so detect only makes sure they can run: the options
 * pass the rules the schema cannot express, every absolute argv[0] exists, and `timeout` works
 * when a command has a timeout. Failing here stops the container before any backup is taken.
 */
export async function detectCustom(ctx: RunnerContext<CustomOptions>): Promise<DetectResult> {
  throwIfAborted(ctx.signal, 'detect');
  const commands = validateCommands(ctx.options).filter((c) => !isExcluded(c.name, ctx.exclusions));
  if ((ctx.options.commands ?? []).length === 0) return { applicable: false, reason: 'no commands configured (runners.custom.commands)' };

  const paths = new Map<string, string>();
  for (const c of commands) {
    for (const [key, argv] of [
      ['argv', c.argv],
      ['only_if', c.only_if],
    ] as const) {
      const first = argv?.[0];
      if (first?.startsWith('/') && !paths.has(first)) paths.set(first, `${c.name} ${key}`);
    }
  }
  for (const [path, where] of paths) {
    throwIfAborted(ctx.signal, 'detect');
    const r = await ctx.exec.read(executableArgv(path), { okExitCodes: [0, 1] });
    if (r.exitCode !== 0) return { applicable: false, reason: `${path} (${where}) is not an executable file in the container` };
  }

  if (commands.some((c) => c.timeout !== undefined)) {
    const r = await ctx.exec.read(timeoutProbeArgv(), { okExitCodes: ALL_EXIT_CODES });
    if (r.exitCode === 127)
      return { applicable: false, reason: 'timeout (coreutils or busybox) not found; commands with a timeout need it' };
    if (r.exitCode !== 0) {
      const said = r.stderr.trim().split('\n')[0] ?? '';
      return { applicable: false, reason: `timeout -k does not work in the container (exit ${r.exitCode}${said ? `: ${said}` : ''})` };
    }
  }
  const gated = commands.filter((c) => c.only_if).length;
  return { applicable: true, reason: `${commands.length} custom commands (${gated} with only_if)` };
}
