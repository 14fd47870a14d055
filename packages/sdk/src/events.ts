import type { ErrorCode } from './errors.js';
import type { ExecRecord } from './exec.js';
import type { PlanStep, Update } from './results.js';

/** Lifecycle step names, in pipeline order. The engine's step table is keyed by these. */
export const LIFECYCLE_STEPS = [
  'resolve',
  'preflight',
  'detect',
  'check',
  'plan',
  'baseline',
  'backup',
  'pre-update',
  'apply',
  'post-update',
  'restart',
  'verify',
  'rollback',
  'report',
] as const;
/** One of LIFECYCLE_STEPS. */
export type LifecycleStep = (typeof LIFECYCLE_STEPS)[number];

/** Why a container was not updated (report and `container:skip`). */
export type SkipReason =
  | 'not-matched'
  | 'not-in-cli-selection'
  | 'denied'
  | 'disabled'
  | 'stopped'
  | 'locked'
  | 'template'
  | 'vanished'
  | 'no-runners'
  | 'backup-unavailable'
  | 'recovery-failed'
  | 'outside-window'
  | 'window-closing'
  | 'kill-switch'
  | 'signal'
  | 'max-runtime'
  | 'host-load'
  | 'storage-full'
  | 'unreachable'
  /** staged rollout: an earlier wave met a stop condition */
  | 'rollout-halted'
  /** staged rollout: an earlier wave soaks; this wave starts after it */
  | 'rollout-soaking'
  /** staged rollout: this container's wave already finished in the current rollout */
  | 'rollout-wave-done'
  /** staged rollout: no wave selects this container */
  | 'not-in-rollout'
  /** a pre_update hook vetoed the update (exit 75); the detail is the hook's last output line */
  | 'vetoed'
  /** a cluster run: the container's node is offline (its status is unknown); the others proceed */
  | 'node-offline';

/** Every event the engine emits, with its payload. Subscribe through the engine's typed emitter. */
export interface LifecycleEvents {
  'run:start': { runId: string; dryRun: boolean; targets: number[] };
  'container:skip': { runId: string; vmid: number; reason: SkipReason; detail?: string };
  'step:start': { runId: string; vmid: number; step: LifecycleStep; runner?: string };
  'step:end': { runId: string; vmid: number; step: LifecycleStep; runner?: string; durationMs: number };
  'step:fail': { runId: string; vmid: number; step: LifecycleStep; runner?: string; code: ErrorCode; message: string };
  exec: { runId: string; vmid: number; runner?: string; record: ExecRecord };
  'updates:found': { runId: string; vmid: number; runner: string; updates: Update[] };
  'plan:ready': { runId: string; vmid: number; runner: string; steps: PlanStep[] };
  'backup:taken': { runId: string; vmid: number; kind: 'snapshot' | 'vzdump'; name: string };
  'rollback:done': { runId: string; vmid: number; to: string; reason: string; running: boolean };
  'container:end': { runId: string; vmid: number; outcome: ContainerOutcomeKind };
  'run:end': { runId: string; exitCode: number; reportPath?: string };
}

/** How a container's pipeline ended. */
export type ContainerOutcomeKind = 'updated' | 'nothing-to-do' | 'planned' | 'skipped' | 'failed' | 'rolled-back';
/** The name of one lifecycle event. */
export type LifecycleEventName = keyof LifecycleEvents;
