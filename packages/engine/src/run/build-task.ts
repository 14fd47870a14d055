import { join } from 'node:path';
import { type ContainerInfo, UnrotError } from '@unrot/sdk';
import { CONFIG_DEFAULTS } from '../config/effective-policy.js';
import { effectivePolicy } from '../config/index.js';
import { runnerLimitFor } from '../config/runner-limits.js';
import { capLimits, runnerCapKey } from '../fleet/caps.js';
import { prepareProbeOptions } from '../health/index.js';
import type { ContainerTask } from '../lifecycle/container-task.js';
import { containerDeadlineMs } from '../lifecycle/step-table.js';
import type { Prepared } from './prepare.js';

/** What every container task of one run shares. */
export interface TaskContext {
  runId: string;
  dryRun: boolean;
  /** Per-container logs go here (ct-VMID.jsonl). */
  logDir: string;
  stateDir: string;
  /** Secret values scrubbed from each container's log. */
  secrets: readonly string[];
  /** Set for real runs: checked at each safe point before a change. */
  killSwitchFile?: string;
  /** Staged rollout, a wave after the canary: the canary's versions (see ContainerTask.canaryPins). */
  canaryPins?: Record<string, Record<string, string[]>>;
  /** What the run's listing read of this container (see ContainerTask.listed). */
  listed?: ContainerTask['listed'];
}

/** One container's task for a worker: plain data, its effective policy resolved. */
export function buildTask(prepared: Prepared, ct: ContainerInfo, context: TaskContext): ContainerTask {
  const policy = effectivePolicy(prepared.config, ct.vmid);
  const runners: ContainerTask['runners'] = [];
  if (policy.osRunner !== 'none') {
    const entry = prepared.runners.get(policy.osRunner);
    if (!entry) throw new UnrotError('E_CONFIG', `CT ${ct.vmid}: os runner '${policy.osRunner}' is not installed`);
    runners.push({
      id: entry.id,
      modulePath: entry.modulePath,
      options: policy.osRunnerOptions,
      ...runnerLimitFor(prepared.config, ct.vmid, entry.id),
    });
  }
  for (const app of policy.appRunners) {
    const entry = prepared.runners.get(app.id);
    if (!entry) throw new UnrotError('E_CONFIG', `CT ${ct.vmid}: runner '${app.id}' is not installed`);
    runners.push({
      id: entry.id,
      modulePath: entry.modulePath,
      options: app.options,
      ...runnerLimitFor(prepared.config, ct.vmid, entry.id),
    });
  }
  return {
    runId: context.runId,
    dryRun: context.dryRun,
    container: ct,
    runners,
    exclusions: policy.exclusions,
    timeoutsMs: policy.timeoutsMs,
    retries: policy.retries,
    logFile: join(context.logDir, `ct-${ct.vmid}.jsonl`),
    stateDir: context.stateDir,
    backup: policy.backup,
    rollback: policy.rollback,
    healthChecks: policy.healthChecks.map((check) => {
      const entry = prepared.probes?.get(check.probe);
      if (!entry) throw new UnrotError('E_CONFIG', `CT ${ct.vmid}: probe '${check.probe}' is not installed`);
      return {
        name: check.name,
        probe: check.probe,
        modulePath: entry.modulePath,
        options: prepareProbeOptions(check.probe, entry.optionsSchema, check.options),
        schedule: check.schedule,
        gate: check.gate,
      };
    }),
    ...(policy.restart ? { restart: policy.restart } : {}),
    ...(policy.hooks ? { hooks: policy.hooks } : {}),
    preflight: taskPreflight(prepared),
    ...(policy.guardedPaths.length > 0 ? { guardedPaths: policy.guardedPaths } : {}),
    ...(context.secrets.length > 0 ? { secrets: [...context.secrets] } : {}),
    ...(context.killSwitchFile ? { killSwitchFile: context.killSwitchFile } : {}),
    ...(context.canaryPins ? { canaryPins: context.canaryPins } : {}),
    ...(context.listed ? { listed: context.listed } : {}),
    ...capKeysOf(prepared, runners),
  };
}

/** The capped keys this task may ask for: its runners' caps, and every storage cap (the pipeline knows its storage). */
function capKeysOf(prepared: Prepared, runners: ContainerTask['runners']): Pick<ContainerTask, 'capKeys'> {
  const limits = capLimits(prepared.config.global.concurrency);
  const keys = [...limits.keys()].filter((k) => k.startsWith('storage:') || runners.some((r) => runnerCapKey(r.id) === k));
  return keys.length > 0 ? { capKeys: keys } : {};
}

function taskPreflight(prepared: Prepared): NonNullable<ContainerTask['preflight']> {
  const p = { ...CONFIG_DEFAULTS.preflight, ...prepared.config.global.preflight };
  return { maxStorageUsedPercent: p.max_storage_used_percent, network: p.network, networkTimeoutS: p.network_timeout_s };
}

/** The deadline the pool enforces: the task's budget, capped by max_runtime.container. */
export function taskDeadlineMs(prepared: Prepared, task: ContainerTask): number {
  const maxContainerS = prepared.config.global.max_runtime?.container;
  return maxContainerS ? Math.min(maxContainerS * 1000, containerDeadlineMs(task)) : containerDeadlineMs(task);
}
