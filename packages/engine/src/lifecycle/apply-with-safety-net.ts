import {
  type ApplyResult,
  type CheckResult,
  type Exec,
  type LifecycleStep,
  type Logger,
  type PlanStep,
  toUnrotError,
  UnrotError,
} from '@unrot/sdk';
import { restartTargets, type TaskRestart } from '../health/index.js';
import type { Host } from '../host/host.js';
import { addBackup, setBackupResult } from '../safety/backup-index.js';
import { type BackupRef, clearJournal, type JournalStep, writeJournal } from '../safety/journal.js';
import { snapshotDescriptionFor, snapshotNameFor } from '../safety/own-snapshots.js';
import { restoreBackup } from '../safety/restore-backup.js';
import { pruneOwnBackups } from '../safety/retention.js';
import type { ContainerTask, Emit, TaskHooks } from './container-pipeline.js';
import type { ContainerReport, RunnerReport } from './container-result.js';

export interface PendingRunner {
  id: string;
  report: RunnerReport;
  steps: PlanStep[];
  apply(signal: AbortSignal): Promise<ApplyResult>;
  /** A fresh read-only check, for verification. */
  recheck(signal: AbortSignal): Promise<CheckResult>;
}

export type StepRunner = <T>(name: LifecycleStep, runner: string | undefined, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export interface SafetyNetInput {
  task: ContainerTask;
  host: Host;
  report: ContainerReport;
  log: Logger;
  emit: Emit;
  signal: AbortSignal;
  rootfsStorage: string | undefined;
  pending: PendingRunner[];
  step: StepRunner;
  /** Policy `restart`: after a successful apply, before verify. */
  restart?: {
    policy: TaskRestart;
    /** The report entry to fill in (created on first use). */
    report: () => NonNullable<ContainerReport['restart']>;
    /** The engine's exec that may change (restart) and read (is-active). */
    exec: (signal: AbortSignal) => Exec;
  };
  /** Policy `health_checks`: run inside verify; throws E_HEALTH_FAILED when the gate says roll back. */
  verifyHealth?: (signal: AbortSignal) => Promise<void>;
  /** Policy `pre_update` / `post_update`: around the runners' apply; a failure rolls back. */
  hooks?: {
    policy: TaskHooks;
    /** The report entry to fill in (created on first use). */
    report: () => NonNullable<ContainerReport['hooks']>;
    exec: (signal: AbortSignal) => Exec;
  };
}

export type SafetyNetOutcome =
  | { kind: 'updated' }
  | { kind: 'skipped'; detail: string }
  | { kind: 'rolled-back'; error: unknown }
  | { kind: 'failed'; error: unknown };

/**
 * backup → apply → verify, and rollback when a critical runner or the verification fails.
 * Before each changing step the journal records where the container is, so a run killed at
 * any point can be finished by the next one (safety/recover-interrupted.ts). A container is
 * never changed without the backup its policy requires.
 */
export async function applyWithSafetyNet(input: SafetyNetInput): Promise<SafetyNetOutcome> {
  const { task, host, report, log, emit, step } = input;
  const { runId, stateDir } = task;
  const vmid = task.container.vmid;
  const journal = (stepName: JournalStep, backup?: BackupRef) =>
    writeJournal(stateDir, {
      runId,
      vmid,
      step: stepName,
      wasRunning: true,
      pid: process.pid,
      at: new Date().toISOString(),
      ...(backup ? { backup } : {}),
    });

  // 1. Backup, only now that the plan is known to be non-empty.
  let backup: BackupRef | undefined;
  if (task.backup.mode !== 'none') {
    await journal('backup');
    try {
      const t0 = Date.now();
      backup = await step('backup', undefined, (signal) => takeBackup(input, signal));
      report.backup = {
        kind: backup.kind,
        planned: false,
        durationMs: Date.now() - t0,
        ...(backup.name ? { name: backup.name } : {}),
        ...(backup.archive ? { archive: backup.archive } : {}),
      };
      emit('backup:taken', { runId, vmid, kind: backup.kind, name: backup.name ?? backup.archive ?? '' });
      await addBackup(stateDir, vmid, { ...backup, runId, takenAt: new Date().toISOString(), result: 'pending' });
    } catch (thrown) {
      await clearJournal(stateDir, vmid);
      const error = toUnrotError(thrown);
      if (error.code === 'E_SNAPSHOT_UNSUPPORTED' && task.backup.onUnsupported === 'skip') {
        return { kind: 'skipped', detail: `${error.message}; policy backup.on_unsupported is skip, so it was not updated` };
      }
      return { kind: 'failed', error: thrown };
    }
  }

  // 2. Apply, runner by runner, between the hooks; the first failure stops the rest.
  await journal('apply', backup);
  let failure: unknown;
  let failedRunner: string | undefined;
  if (input.hooks && input.hooks.policy.preUpdate.length > 0) {
    failure = await runHooks(input, 'pre-update');
  }
  for (const runner of failure === undefined ? input.pending : []) {
    const t0 = Date.now();
    try {
      const result = await step('apply', runner.id, (signal) => runner.apply(signal));
      runner.report.changed = result.changed;
    } catch (thrown) {
      failure = thrown;
      failedRunner = runner.id;
      break;
    } finally {
      runner.report.durationsMs['apply'] = Date.now() - t0;
    }
  }

  if (failure === undefined && input.hooks && input.hooks.policy.postUpdate.length > 0) {
    failure = await runHooks(input, 'post-update');
  }

  // 3a. Restart the policy's units, processes and compose projects, when the update changed something (or always).
  if (failure === undefined && input.restart) {
    const { policy } = input.restart;
    const restartReport = input.restart.report();
    const changed = input.pending.some((r) => r.report.changed.length > 0);
    if (policy.when === 'always' || changed) {
      try {
        await step('restart', undefined, (signal) => restartTargets(policy, input.restart?.exec(signal) as Exec, signal, restartReport));
      } catch (thrown) {
        failure = thrown;
      }
    } else {
      restartReport.skipped = 'the update changed nothing (restart.when: changed)';
    }
  }

  // 3. Verify: still running, nothing that was planned is still pending, health checks pass (gated on their baseline).
  if (failure === undefined) {
    await journal('verify', backup);
    try {
      await step('verify', undefined, async (signal) => {
        const status = await host.status(vmid, signal);
        if (status !== 'running') throw new UnrotError('E_VERIFY_FAILED', `CT ${vmid} is ${status} after the update`);
        for (const runner of input.pending) {
          const again = await runner.recheck(signal);
          const planned = new Set(runner.steps.flatMap((s) => s.updates.map((u) => `${u.scope ?? ''}\0${u.name}`)));
          const left = again.updates.filter((u) => planned.has(`${u.scope ?? ''}\0${u.name}`));
          if (left.length > 0) {
            throw Object.assign(
              new UnrotError(
                'E_VERIFY_FAILED',
                `${runner.id}: still pending after apply: ${left.map((u) => `${u.name} ${u.to}`).join(', ')}`,
              ),
              {
                runner: runner.id,
              },
            );
          }
        }
        await input.verifyHealth?.(signal);
      });
    } catch (thrown) {
      failure = thrown;
    }
  }

  if (failure === undefined) {
    await clearJournal(stateDir, vmid);
    if (backup) {
      await setBackupResult(stateDir, vmid, runId, 'updated');
      try {
        const pruned = await pruneOwnBackups(host, stateDir, vmid, task.backup.keep, {
          dryRun: false,
          timeoutMs: task.timeoutsMs.backup,
          signal: input.signal,
          trustIndex: true,
        });
        if (pruned.deleted.length > 0) report.pruned = pruned.deleted;
      } catch (error) {
        // Retention is housekeeping: a failure is reported, never turned into a failed update.
        log.warn({ err: toUnrotError(error).message }, 'pruning old backups failed');
        report.pruneError = toUnrotError(error).message;
      }
    }
    return { kind: 'updated' };
  }

  // 4. Rollback decision: a critical runner failed, or the verification did.
  const critical = task.rollback.critical;
  const isCritical = failedRunner === undefined || critical === undefined || critical.includes(failedRunner);
  if (!backup || !task.rollback.onFailure || !isCritical) {
    await clearJournal(stateDir, vmid);
    if (backup) await setBackupResult(stateDir, vmid, runId, 'failed');
    return { kind: 'failed', error: failure };
  }
  const reason = `${toUnrotError(failure).code}: ${toUnrotError(failure).message}`;
  await journal('rollback', backup);
  try {
    const restored = await step('rollback', undefined, (signal) =>
      restoreBackup(host, vmid, backup as BackupRef, true, task.timeoutsMs.rollback, signal),
    );
    report.rollback = { reason, to: restored.to, kind: restored.kind, running: restored.running, durationMs: restored.durationMs };
    emit('rollback:done', { runId, vmid, to: restored.to, reason, running: restored.running });
    await clearJournal(stateDir, vmid);
    await setBackupResult(stateDir, vmid, runId, 'rolled-back');
    return { kind: 'rolled-back', error: failure };
  } catch (thrown) {
    // The journal keeps saying "rollback": the next run tries again.
    report.rollback = {
      reason,
      to: backup.name ?? backup.archive ?? '',
      kind: backup.kind,
      running: false,
      durationMs: 0,
      error: toUnrotError(thrown).message,
    };
    return { kind: 'failed', error: thrown };
  }
}

async function takeBackup(input: SafetyNetInput, signal: AbortSignal): Promise<BackupRef> {
  const { task, host } = input;
  const vmid = task.container.vmid;
  const runners = input.pending.map((r) => r.id);
  const vzdump = async (): Promise<BackupRef> => {
    const archive = await host.vzdump(
      vmid,
      {
        storage: task.backup.vzdumpStorage,
        mode: task.backup.vzdumpMode,
        compress: task.backup.vzdumpCompress,
        notes: `unrot run ${task.runId}`,
      },
      task.timeoutsMs.backup,
      signal,
    );
    return { kind: 'vzdump', archive, ...(input.rootfsStorage ? { storage: input.rootfsStorage } : {}) };
  };
  if (task.backup.mode === 'vzdump') return vzdump();
  const name = snapshotNameFor(task.runId);
  try {
    await host.snapshot(vmid, name, snapshotDescriptionFor(task.runId, runners), task.timeoutsMs.backup, signal);
    return { kind: 'snapshot', name };
  } catch (error) {
    if (toUnrotError(error).code === 'E_SNAPSHOT_UNSUPPORTED' && task.backup.onUnsupported === 'vzdump') {
      input.log.warn({ vmid }, 'snapshot feature is not available; falling back to vzdump as the policy says');
      return vzdump();
    }
    throw error;
  }
}

/** Runs one hook list in order; returns the first failure (stopping there) or undefined. */
async function runHooks(input: SafetyNetInput, which: 'pre-update' | 'post-update'): Promise<unknown> {
  const hooks = input.hooks;
  if (!hooks) return undefined;
  const list = which === 'pre-update' ? hooks.policy.preUpdate : hooks.policy.postUpdate;
  const report = hooks.report();
  const entries = which === 'pre-update' ? report.preUpdate : report.postUpdate;
  try {
    await input.step(which, undefined, async (signal) => {
      const exec = hooks.exec(signal);
      for (const [i, hook] of list.entries()) {
        const result = await exec.change(hook.argv, {
          ...(hook.timeout ? { timeoutMs: hook.timeout * 1000 } : {}),
          okExitCodes: ALL_EXIT_CODES,
        });
        const entry = entries[i];
        if (entry) Object.assign(entry, { exitCode: result.exitCode, durationMs: result.durationMs });
        if (result.exitCode !== 0) {
          throw new UnrotError(
            'E_HOOK_FAILED',
            `${which} hook ${JSON.stringify(hook.argv)} exited ${result.exitCode}${result.stderr.trim() ? `: ${result.stderr.trim().slice(-500)}` : ''}`,
          );
        }
      }
    });
    return undefined;
  } catch (thrown) {
    return thrown;
  }
}

// Every exit code is returned to runHooks, which turns a non-zero one into E_HOOK_FAILED with the hook named.
const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);
