import type { ProcessMatch, RestartPolicy } from '../policy/index.js';

/** One `restart.processes` entry as a worker runs it: defaults filled in, times in ms. */
export interface TaskRestartProcess {
  name: string;
  match: ProcessMatch;
  /** Absent: a supervisor starts the process again by itself; unrot only signals and waits. */
  start?: string[];
  stopSignal: string;
  stopTimeoutMs: number;
  waitMs: number;
  settleMs: number;
}

/** One `restart.compose` entry as a worker runs it. */
export interface TaskRestartCompose {
  projectDir: string;
  files: string[];
  /** Empty: every service of the project (read with `docker compose config --services`). */
  services: string[];
  action: 'recreate' | 'restart';
  pull: boolean;
  waitMs: number;
}

/** The `restart` policy as a worker runs it (serialisable: it crosses into the worker thread). */
export interface TaskRestart {
  units: string[];
  when: 'changed' | 'always';
  waitActiveMs: number;
  processes?: TaskRestartProcess[];
  compose?: TaskRestartCompose[];
  /** `exclusions.services`: units `restart.units` names that unrot never restarts (not in `units`). */
  excluded?: string[];
}

export const RESTART_DEFAULTS = { when: 'changed', wait_active_s: 60, stop_signal: 'TERM', stop_timeout_s: 30, settle_s: 0 } as const;

/**
 * The merged `restart:` block (defaults' keys, then the container's) with every default filled in;
 * undefined when it names nothing to restart.
 */
export function resolveRestart(block: RestartPolicy): TaskRestart | undefined {
  const units = block.units ?? [];
  const processes = block.processes ?? [];
  const compose = block.compose ?? [];
  if (units.length + processes.length + compose.length === 0) return undefined;
  const waitActiveS = block.wait_active_s ?? RESTART_DEFAULTS.wait_active_s;
  return {
    units: [...units],
    when: block.when ?? RESTART_DEFAULTS.when,
    waitActiveMs: waitActiveS * 1000,
    ...(processes.length > 0
      ? {
          processes: processes.map((p) => ({
            name: p.name,
            match: { ...p.match },
            ...(p.start ? { start: [...p.start] } : {}),
            stopSignal: p.stop_signal ?? RESTART_DEFAULTS.stop_signal,
            stopTimeoutMs: (p.stop_timeout_s ?? RESTART_DEFAULTS.stop_timeout_s) * 1000,
            waitMs: (p.wait_s ?? waitActiveS) * 1000,
            settleMs: (p.settle_s ?? RESTART_DEFAULTS.settle_s) * 1000,
          })),
        }
      : {}),
    ...(compose.length > 0
      ? {
          compose: compose.map((c) => ({
            projectDir: c.project_dir,
            files: [...(c.files ?? [])],
            services: [...(c.services ?? [])],
            action: c.action ?? 'recreate',
            pull: c.pull ?? false,
            waitMs: (c.wait_s ?? waitActiveS) * 1000,
          })),
        }
      : {}),
  };
}

/**
 * Policy `exclusions.services`: units unrot never restarts, whatever `restart.units` says. They
 * leave `units` and are kept as `excluded`, so the plan and the report say why they were not restarted.
 */
export function excludeServices(r: TaskRestart | undefined, services: readonly string[]): TaskRestart | undefined {
  if (!r || services.length === 0) return r;
  const excluded = r.units.filter((u) => services.includes(u));
  if (excluded.length === 0) return r;
  return { ...r, units: r.units.filter((u) => !services.includes(u)), excluded };
}
