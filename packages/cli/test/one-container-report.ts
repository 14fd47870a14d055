import type { ContainerReport, RunReport } from '@unrot/engine';

/** A run report of one container, as `unrot plan` (dryRun) or `unrot run` returns it, for the format tests. */
export const oneContainerReport = (c: ContainerReport, dryRun: boolean): RunReport =>
  ({
    runId: 'r1',
    dryRun,
    host: { node: 'pve1' },
    containers: [c],
    recoveries: [],
    summary: {
      containers: 1,
      updated: 0,
      rolledBack: 0,
      cutShort: 0,
      nothingToDo: 0,
      planned: 1,
      skipped: 0,
      failed: 0,
      packagesChanged: 0,
    },
  }) as unknown as RunReport;
