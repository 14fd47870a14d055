import type { Logger } from 'pino';
import { effectivePolicy } from '../config/index.js';
import type { EngineEvents } from '../engine-events.js';
import type { Host } from '../host/host.js';
import type { HostSpec } from '../host/host-spec.js';
import type { RecoveryPolicy } from '../safety/recover-interrupted.js';
import type { Redactor } from '../secrets/redactor.js';
import type { CliSelection } from '../targets/resolve-targets.js';
import type { Prepared } from './prepare.js';
import type { RunOptions } from './run-options.js';

/** What every phase of one run reads (never writes): who, where, with which host and log. */
export interface RunContext {
  options: RunOptions;
  runId: string;
  started: Date;
  now: () => Date;
  events: EngineEvents;
  selection: CliSelection;
  prepared: Prepared;
  node: string;
  /** The host the main thread talks to (fleet listing, recovery, storage waits). */
  host: Host;
  /** The host the worker threads build (the same host, as data). */
  hostSpec: HostSpec;
  stateDir: string;
  /** runs/<runId>: report.json, host.jsonl, ct-VMID.jsonl. */
  runDir: string;
  redactor: Redactor;
  /** The run's host.jsonl. */
  log: Logger;
}

/** How a container whose update was interrupted is finished (journal rules, per its policy). */
export function interruptPolicy(prepared: Prepared): (vmid: number) => RecoveryPolicy {
  return (vmid) => {
    const p = effectivePolicy(prepared.config, vmid);
    return { onInterrupt: p.rollback.onInterrupt, rollbackTimeoutMs: p.timeoutsMs.rollback, vzdumpStorage: p.backup.vzdumpStorage };
  };
}
