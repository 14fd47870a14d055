import type { RunnerLimitStep } from '../lifecycle/container-task.js';
import type { RunnerLimits } from '../policy/index.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { formatPath, type KeyPath } from './key-path.js';
import type { LoadedConfig } from './load-config.js';

/** One runner's own limits as a task carries them; empty when the policy sets none for it. */
export interface ResolvedRunnerLimit {
  timeoutsMs?: Partial<Record<RunnerLimitStep, number>>;
  retries?: number;
}

const STEPS: readonly RunnerLimitStep[] = ['detect', 'check', 'plan', 'apply'];

/**
 * `runner_limits.<id>` for one container: the container file's entry over `defaults.runner_limits`,
 * key by key (a container that sets only `timeouts.apply` keeps the defaults' `retries`). What
 * neither sets falls back to the container's `timeouts.<step>` / `retries` in the walker.
 */
export function runnerLimitFor(config: LoadedConfig, vmid: number, runnerId: string): ResolvedRunnerLimit {
  const fromDefaults = (config.global.defaults?.runner_limits as RunnerLimits | undefined)?.[runnerId];
  const fromContainer = (config.containers.get(vmid)?.policy.runner_limits as RunnerLimits | undefined)?.[runnerId];
  const timeoutsMs: Partial<Record<RunnerLimitStep, number>> = {};
  for (const step of STEPS) {
    const s = fromContainer?.timeouts?.[step] ?? fromDefaults?.timeouts?.[step];
    if (s !== undefined) timeoutsMs[step] = s * 1000;
  }
  const retries = fromContainer?.retries ?? fromDefaults?.retries;
  return {
    ...(Object.keys(timeoutsMs).length > 0 ? { timeoutsMs } : {}),
    ...(retries !== undefined ? { retries } : {}),
  };
}

/**
 * Runner ids in `concurrency.per_runner` and `runner_limits` must name installed runners, like
 * `runners:` keys: a typo would otherwise cap (or time-limit) nothing, silently.
 */
export function validateRunnerCaps(config: LoadedConfig, installed: ReadonlySet<string>): void {
  const problems: ConfigProblem[] = [];
  const names = [...installed].sort().join(', ') || 'none';
  const check = (file: string | null | undefined, block: Record<string, unknown> | undefined, prefix: KeyPath): void => {
    if (!file || !block) return;
    for (const id of Object.keys(block)) {
      if (installed.has(id)) continue;
      const pos = config.locate(file, [...prefix, id], { key: true });
      problems.push({
        file,
        ...(pos && { line: pos.line, column: pos.column }),
        path: formatPath([...prefix, id]),
        message: `unknown runner '${id}' (installed: ${names})`,
        expected: 'the id of an installed runner plugin',
      });
    }
  };
  check(config.globalFile, config.global.concurrency?.per_runner, ['concurrency', 'per_runner']);
  check(config.globalFile, config.global.defaults?.runner_limits, ['defaults', 'runner_limits']);
  for (const { file, policy } of config.containers.values()) check(file, policy.runner_limits, ['runner_limits']);
  if (problems.length > 0) throw new ConfigError(problems);
}
