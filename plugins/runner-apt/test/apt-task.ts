import type { ContainerTask } from '@unrot/engine';

/** The engine task for one apt container (mode upgrade, snapshot backup, rollback on failure), for pipeline tests over a chroot. */
export function aptTask(
  stateDir: string,
  container: { vmid: number; name: string; runId: string },
  extra: Partial<ContainerTask> = {},
): ContainerTask {
  return {
    runId: container.runId,
    dryRun: false,
    container: { vmid: container.vmid, name: container.name, status: 'running', tags: [], unprivileged: true, template: false },
    runners: [{ id: 'apt', modulePath: 'memory:apt', options: { mode: 'upgrade', lock_timeout_s: 30 } }],
    exclusions: [],
    timeoutsMs: {
      preflight: 60_000,
      detect: 60_000,
      check: 300_000,
      plan: 60_000,
      backup: 60_000,
      apply: 600_000,
      verify: 300_000,
      rollback: 60_000,
    },
    retries: 1,
    stateDir,
    backup: { mode: 'snapshot', onUnsupported: 'skip', keep: 3, vzdumpStorage: 'local', vzdumpMode: 'snapshot', vzdumpCompress: 'zstd' },
    rollback: { onFailure: true, onInterrupt: 'rollback' },
    ...extra,
  };
}
