import { type BaseCommand, parseCtList } from './base-command.js';

export interface RunFlags {
  config: string;
  json: boolean;
  ct?: string[];
  tag?: string[];
  'state-dir'?: string;
  force?: boolean;
  progress?: boolean;
}

export function selectionFrom(flags: RunFlags): { cts: number[]; tags: string[] } {
  return {
    cts: (flags.ct ?? []).flatMap(parseCtList),
    tags: (flags.tag ?? []).flatMap((t) => t.split(/[,;\s]+/)).filter((t) => t.length > 0),
  };
}

/**
 * SIGTERM (systemctl stop, a shutdown) and SIGINT (Ctrl-C) during a real run are the kill switch:
 * the first one asks the engine to stop at the next safe point — in-flight host calls (which run
 * in their own process groups, so a terminal's Ctrl-C never reaches them) finish, a container
 * already changed finishes verify or rolls back, nothing new starts, the report is written and
 * the run exits 5. Later signals only repeat where it stands; SIGKILL is the way to force it.
 */
export function gracefulStop(self: BaseCommand): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      self.logToStderr(`unrot: ${name} again: still finishing the in-flight steps; SIGKILL forces an exit (the next run recovers)`);
      return;
    }
    self.logToStderr(`unrot: ${name} received: finishing in-flight steps, starting nothing new, then writing the report`);
    controller.abort(name);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

/** Shared body of `plan` and `run`: the engine is imported only here, not at start-up. */
export async function runCommand(self: BaseCommand, flags: RunFlags, dryRun: boolean): Promise<void> {
  // A plan changes nothing: the default (exit at once) is right for it.
  const stop = dryRun ? undefined : gracefulStop(self);
  try {
    const selection = selectionFrom(flags);
    const [{ runUnrot, EngineEvents }, { formatReport }, { attachProgress }] = await Promise.all([
      import('@unrot/engine'),
      import('./format-report.js'),
      import('./progress.js'),
    ]);
    const events = new EngineEvents();
    // Progress goes to stderr: stdout is the report (or its JSON). A terminal gets a live block,
    // anything else (the journal, a pipe, --json) a plain line per step that matters.
    const progress =
      !dryRun && flags.progress !== false
        ? attachProgress(events, {
            mode: process.stderr.isTTY && !flags.json ? 'live' : 'lines',
            out: process.stderr,
          })
        : undefined;
    const outcome = await runUnrot({
      events,
      configDir: flags.config,
      dryRun,
      selection,
      pluginRoots: self.pluginRoots(),
      unrotVersion: self.config.version,
      ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
      ...(flags.force ? { force: true } : {}),
      ...(stop ? { stop: stop.signal } : {}),
    }).finally(() => progress?.stop());
    self.log(flags.json ? JSON.stringify(outcome.report, null, 2) : formatReport(outcome.report));
    process.exitCode = outcome.exitCode;
  } catch (error) {
    self.fail(error, flags.json);
  } finally {
    stop?.dispose();
  }
}
