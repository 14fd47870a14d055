import type { Exec } from '@unrot/sdk';
import type { ContainerReport } from '../lifecycle/container-result.js';
import { type Clock, realClock } from './clock.js';
import { composeCommands, composePsArgv, restartCompose } from './restart-compose.js';
import type { TaskRestart } from './restart-policy.js';
import { describeMatch, findArgv, PIDS_PLACEHOLDER, restartProcess, stopArgv } from './restart-processes.js';
import { restartArgv, restartUnit } from './restart-units.js';

export type RestartReport = NonNullable<ContainerReport['restart']>;

/**
 * The restart entry of a container report: every command a restart runs, inside the container
 * (argv) and on the host (hostArgv). A plan shows it as is (planned: true); a run fills in
 * each entry's outcome. The PIDs of a process are only known when it runs: `<pids>` stands for them.
 */
export function planRestart(r: TaskRestart, planned: boolean, hostArgv: (argv: string[]) => string[]): RestartReport {
  const cmd = (argv: string[]) => ({ argv, hostArgv: hostArgv(argv) });
  return {
    when: r.when,
    planned,
    units: r.units.map((unit) => ({ unit, ...cmd(restartArgv(unit)) })),
    ...(r.excluded?.length ? { excluded: [...r.excluded] } : {}),
    ...(r.processes?.length
      ? {
          processes: r.processes.map((p) => ({
            name: p.name,
            match: describeMatch(p.match),
            find: cmd(findArgv(p.match)),
            stop: cmd(stopArgv(p.stopSignal, [PIDS_PLACEHOLDER])),
            ...(p.start ? { start: cmd(p.start) } : {}),
          })),
        }
      : {}),
    ...(r.compose?.length
      ? {
          compose: r.compose.map((c) => ({
            projectDir: c.projectDir,
            action: c.action,
            services: [...c.services],
            commands: composeCommands(c).map(cmd),
            wait: cmd(composePsArgv(c)),
          })),
        }
      : {}),
  };
}

/** Changing commands a restart runs (for a plan's count): PIDs are signalled with one kill each time. */
export function restartChangingCommands(r: TaskRestart): number {
  const processes = (r.processes ?? []).reduce((n, p) => n + 1 + (p.start ? 1 : 0), 0);
  const compose = (r.compose ?? []).reduce((n, c) => n + composeCommands(c).length, 0);
  return r.units.length + processes + compose;
}

/**
 * Restarts everything the policy names, in order: systemd units, then processes, then compose
 * projects; each waits until its target is back. The first that does not come back throws
 * (E_RESTART_FAILED, or the failing command's own code) and nothing after it runs: the caller's
 * verify never starts and the safety net rolls back. `report` (from planRestart) gets every
 * entry's outcome, also the failing one's.
 */
export async function restartTargets(
  r: TaskRestart,
  exec: Exec,
  signal: AbortSignal,
  report: RestartReport,
  clock: Clock = realClock,
): Promise<void> {
  for (const [i, unit] of r.units.entries()) {
    // exclusions.services already took these out of `units`; a last check, as never means never.
    if (r.excluded?.includes(unit)) continue;
    await restartUnit(unit, r.waitActiveMs, exec, signal, clock, ({ state, durationMs }) => {
      const entry = report.units[i];
      if (entry) Object.assign(entry, { state, durationMs });
    });
  }
  for (const [i, p] of (r.processes ?? []).entries()) {
    await restartProcess(p, exec, signal, clock, ({ name: _name, ...outcome }) => {
      const entry = report.processes?.[i];
      if (entry) Object.assign(entry, outcome);
    });
  }
  for (const [i, c] of (r.compose ?? []).entries()) {
    await restartCompose(c, exec, signal, clock, ({ projectDir: _dir, ...outcome }) => {
      const entry = report.compose?.[i];
      if (entry) Object.assign(entry, outcome);
    });
  }
}
