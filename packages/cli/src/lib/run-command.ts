import { type BaseCommand, parseCtList } from './base-command.js';

export interface RunFlags {
  config: string;
  json: boolean;
  ct?: string[];
  tag?: string[];
  'state-dir'?: string;
  force?: boolean;
}

export function selectionFrom(flags: RunFlags): { cts: number[]; tags: string[] } {
  return {
    cts: (flags.ct ?? []).flatMap(parseCtList),
    tags: (flags.tag ?? []).flatMap((t) => t.split(/[,;\s]+/)).filter((t) => t.length > 0),
  };
}

/** Shared body of `plan` and `run`: the engine is imported only here, not at start-up. */
export async function runCommand(self: BaseCommand, flags: RunFlags, dryRun: boolean): Promise<void> {
  try {
    const selection = selectionFrom(flags);
    const [{ runUnrot }, { formatReport }] = await Promise.all([import('@unrot/engine'), import('./format-report.js')]);
    const outcome = await runUnrot({
      configDir: flags.config,
      dryRun,
      selection,
      pluginRoots: self.pluginRoots(),
      unrotVersion: self.config.version,
      ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
      ...(flags.force ? { force: true } : {}),
    });
    self.log(flags.json ? JSON.stringify(outcome.report, null, 2) : formatReport(outcome.report));
    process.exitCode = outcome.exitCode;
  } catch (error) {
    self.fail(error, flags.json);
  }
}
