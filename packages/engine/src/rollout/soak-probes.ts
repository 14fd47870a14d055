import { type ContainerInfo, toUnrotError } from '@unrot/sdk';
import { containerAddress, loadProbeModule, runSchedule } from '../health/index.js';
import { createEngineExec } from '../lifecycle/engine-exec.js';
import { buildTask } from '../run/build-task.js';
import type { RunContext } from '../run/run-context.js';

/**
 * At the end of a soak: every health check of every container the soaked wave updated runs
 * again (read-only, on the main thread). Returns one line per problem; none means the next wave
 * may start. A container that is gone or stopped is a problem too: the soak did not prove it.
 */
export async function soakProbeFailures(
  ctx: RunContext,
  fleet: ReadonlyMap<number, ContainerInfo>,
  vmids: readonly number[],
): Promise<string[]> {
  const failures: string[] = [];
  for (const vmid of vmids) {
    const ct = fleet.get(vmid);
    if (!ct) {
      failures.push(`CT ${vmid}: no longer exists`);
      continue;
    }
    if (ct.status !== 'running') {
      failures.push(`CT ${vmid}: ${ct.status}, not running`);
      continue;
    }
    const task = buildTask(ctx.prepared, ct, { runId: ctx.runId, dryRun: false, logDir: ctx.runDir, stateDir: ctx.stateDir, secrets: [] });
    const checks = task.healthChecks ?? [];
    if (checks.length === 0) continue;
    const address = containerAddress(await ctx.host.readConfig(vmid));
    for (const check of checks) {
      try {
        const probe = await loadProbeModule(check.modulePath);
        const result = await runSchedule({
          probe,
          schedule: check.schedule,
          ...(ctx.options.stop ? { signal: ctx.options.stop } : {}),
          context: (signal) => ({
            exec: createEngineExec({
              host: ctx.host,
              vmid,
              dryRun: false,
              signal,
              allowChange: false,
              defaultTimeoutMs: task.timeoutsMs.verify,
            }),
            log: ctx.log,
            signal,
            options: check.options,
            container: ct,
            ...(address !== undefined ? { address } : {}),
          }),
        });
        ctx.log.info({ vmid, check: check.name, outcome: result.outcome, summary: result.summary }, 'soak health check');
        if (result.outcome === 'fail') failures.push(`CT ${vmid} ${check.name} (${check.probe}): ${result.summary}`);
      } catch (error) {
        const e = toUnrotError(error);
        failures.push(`CT ${vmid} ${check.name} (${check.probe}): ${e.code}: ${e.message}`);
      }
    }
  }
  return failures;
}
