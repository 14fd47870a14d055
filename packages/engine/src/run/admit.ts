import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { SkipReason } from '@unrot/sdk';
import { CONFIG_DEFAULTS } from '../config/effective-policy.js';
import { effectivePolicy } from '../config/index.js';
import { type PressureVerdict, StartControl } from '../fleet/start-control.js';
import { stopDetail } from '../fleet/stop-request.js';
import { judgeStorage } from '../preflight/backup-storage.js';
import { resolveSchedule } from '../schedule/resolve-schedule.js';
import { type AdmissionGate, admissionGate } from '../schedule/schedule.js';
import type { Prepared } from './prepare.js';
import type { RunContext } from './run-context.js';

/** May this container start now? If not, the skip reason and detail its report carries. */
export type Admission = { start: true; loadWaitMs: number } | { start: false; reason: SkipReason; detail: string };

/** Phase 3, asked once per container as slots free up: the maintenance window, then pacing and emergency stops. */
export interface AdmissionControl {
  admit(vmid: number): Promise<Admission>;
  /** global.yml kill_switch_file, for a real run (the pipeline checks it at each safe point). */
  killSwitchFile?: string;
  /** Backpressure on the backup storage (real runs): waits until it is below the limit, or gives up. */
  waitForStorage?: (name: string, limitPercent: number) => Promise<PressureVerdict>;
}

/** preflight.max_load, or 4 × the CPU count: a Proxmox host that busy should not also snapshot and unpack packages. */
function maxLoadOf(prepared: Prepared): number {
  return prepared.config.global.preflight?.max_load ?? 4 * availableParallelism();
}

/**
 * The maintenance window applies to real runs when global.yml has a `maintenance:` block, or when
 * the systemd timer / cron job started the run (UNROT_TRIGGER; then the default weekly window
 * applies if none is configured). A manual run without a `maintenance:` block, a plan, and
 * `--force` are not gated.
 */
function windowGate(ctx: RunContext): AdmissionGate | undefined {
  if (ctx.options.dryRun || ctx.options.force) return undefined;
  const policy = ctx.prepared.config.global.maintenance;
  if (!policy && !process.env['UNROT_TRIGGER']) return undefined;
  return admissionGate(resolveSchedule(policy), ctx.started);
}

/** A wait (jitter, rate limit, backpressure poll) that a stop request cuts short, so SIGTERM is not held up by a 30 s poll. */
function stoppableSleep(ms: number, stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
  });
}

/** Pacing and emergency stops apply to real runs (a plan changes nothing). */
function startControl(ctx: RunContext, killSwitchFile: string): StartControl | undefined {
  if (ctx.options.dryRun) return undefined;
  const g = ctx.prepared.config.global;
  const { options } = ctx;
  const stop = options.stop;
  return new StartControl({
    killSwitchFile,
    ...(stop ? { stop: { signal: stop, detail: () => stopDetail(stop) } } : {}),
    ...(g.max_runtime?.run ? { runDeadline: ctx.started.getTime() + g.max_runtime.run * 1000 } : {}),
    jitterMs: g.jitter_ms ?? 0,
    ...(g.max_starts_per_minute ? { maxStartsPerMinute: g.max_starts_per_minute } : {}),
    load: { maxLoad: maxLoadOf(ctx.prepared), readLoad: options.readLoad ?? (() => loadavg()[0] ?? 0) },
    pollMs: (g.preflight?.poll_s ?? CONFIG_DEFAULTS.preflight.poll_s) * 1000,
    giveUpMs: (g.preflight?.give_up_after_s ?? CONFIG_DEFAULTS.preflight.give_up_after_s) * 1000,
    now: () => ctx.now().getTime(),
    sleep: options.sleep ?? ((ms) => stoppableSleep(ms, stop)),
    random: options.random ?? Math.random,
  });
}

export function admissionControl(ctx: RunContext): AdmissionControl {
  const { prepared, log } = ctx;
  const gate = windowGate(ctx);
  const killSwitchFile = prepared.config.global.kill_switch_file ?? join(prepared.config.dir, 'STOP');
  const control = startControl(ctx, killSwitchFile);
  return {
    ...(control ? { killSwitchFile } : {}),
    async admit(vmid) {
      const windowed = gate?.mayStart(ctx.now(), effectivePolicy(prepared.config, vmid).risk);
      if (windowed && !windowed.allowed) {
        const closing = windowed.reason === 'window-closing';
        log.info({ vmid, reason: windowed.reason }, 'not started: maintenance window');
        return {
          start: false,
          reason: closing ? 'window-closing' : 'outside-window',
          detail: closing
            ? `the maintenance window closes in ${Math.round(windowed.remainingMs / 60_000)} min; no new container starts (--force overrides)`
            : 'outside the maintenance window (--force overrides)',
        };
      }
      if (!control) return { start: true, loadWaitMs: 0 };
      const verdict = await control.admit();
      if (!verdict.ok) {
        log.warn({ vmid, reason: verdict.reason }, 'not started');
        return { start: false, reason: verdict.reason, detail: verdict.detail };
      }
      if (verdict.pressureWaitMs > 0) log.info({ vmid, waitedMs: verdict.pressureWaitMs }, 'started after the host load dropped');
      if (verdict.jitterMs > 0 || verdict.rateWaitMs > 0) {
        log.info({ vmid, jitterMs: verdict.jitterMs, rateWaitMs: verdict.rateWaitMs }, 'staggered start');
      }
      return { start: true, loadWaitMs: verdict.pressureWaitMs };
    },
    ...(control
      ? {
          waitForStorage: (name: string, limitPercent: number) =>
            control.waitWhile(`storage:${name}`, 'storage-full', async () => {
              const judged = judgeStorage(await ctx.host.storageStatus(), name, limitPercent);
              return judged.kind === 'full' ? judged.detail : undefined;
            }),
        }
      : {}),
  };
}
