import type { EngineEvents } from '@unrot/engine';
import { terminalField } from '@unrot/engine/terminal-text';
import type { LifecycleStep } from '@unrot/sdk';

/**
 * What `unrot run` shows while it works, on stderr (stdout carries the report or its JSON):
 * - `live` (stderr is a terminal, not --json): one status line per container in flight
 *   (`CT 101  applying apt  0:12`) and a count, redrawn in place; each finished container leaves
 *   a permanent line above it.
 * - `lines` (not a terminal, e.g. the systemd journal, or --json): one plain line when a container
 *   starts a step that matters (backup, apply, restart, verify, rollback) and when it ends.
 */
export type ProgressMode = 'live' | 'lines';

export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

export interface ProgressOptions {
  mode: ProgressMode;
  out: ProgressStream;
  now?: () => number;
  /** Redraw timer (tests drive it by hand). */
  every?: (ms: number, tick: () => void) => { stop: () => void };
}

/** What an admin reads for each step. */
const DOING: Record<LifecycleStep, string> = {
  resolve: 'starting',
  preflight: 'pre-flight',
  detect: 'detecting',
  check: 'checking',
  plan: 'planning',
  baseline: 'health baseline',
  backup: 'backup',
  'pre-update': 'pre_update hook',
  apply: 'applying',
  'post-update': 'post_update hook',
  restart: 'restarting',
  verify: 'verifying',
  rollback: 'ROLLING BACK',
  report: 'reporting',
};

/** Steps worth a plain line: the ones that change something or decide whether it stays. */
const ANNOUNCED = new Set<LifecycleStep>(['backup', 'apply', 'restart', 'verify', 'rollback']);

interface InFlight {
  since: number;
  doing: string;
  skipped?: string;
}

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const defaultEvery = (ms: number, tick: () => void) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
};

/** Subscribes to the engine's events; `stop()` clears the live block before the report is printed. */
export function attachProgress(events: EngineEvents, options: ProgressOptions): { stop: () => void } {
  const { mode, out } = options;
  const now = options.now ?? Date.now;
  const inFlight = new Map<number, InFlight>();
  const targets = new Set<number>();
  // A Set, not a count: a container held back by a full storage ends, waits, and starts again.
  const done = new Set<number>();
  let drawn = 0;

  const doing = (step: LifecycleStep, runner?: string) => `${DOING[step]}${runner ? ` ${terminalField(runner)}` : ''}`;
  const fit = (line: string) => (out.columns && line.length > out.columns ? `${line.slice(0, out.columns - 1)}…` : line);

  function clear(): void {
    // Up over the block drawn last time, and erase it.
    if (drawn > 0) out.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  }
  let started = false;
  function draw(): void {
    // Nothing to show before the engine has its targets (config, plugins and listing come first).
    if (mode !== 'live' || !started) return;
    clear();
    const at = now();
    const lines = [...inFlight].map(([vmid, f]) => fit(`  CT ${vmid}  ${f.doing}  ${elapsed(at - f.since)}`));
    lines.push(fit(`  ${done.size}/${targets.size} containers done, ${inFlight.size} in progress`));
    out.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  }
  /** A line that stays (above the live block, or on its own). */
  function say(line: string): void {
    if (mode === 'live') {
      clear();
      out.write(`${line}\n`);
      draw();
    } else out.write(`${line}\n`);
  }

  const onStart = (e: { runId: string; targets: number[] }) => {
    for (const vmid of e.targets) targets.add(vmid);
    started = true;
    draw();
  };
  const onStep = (e: { vmid: number; step: LifecycleStep; runner?: string }) => {
    done.delete(e.vmid);
    const f = inFlight.get(e.vmid) ?? { since: now(), doing: '' };
    f.doing = doing(e.step, e.runner);
    inFlight.set(e.vmid, f);
    if (mode === 'lines' && ANNOUNCED.has(e.step)) say(`unrot: CT ${e.vmid} ${f.doing}`);
    else draw();
  };
  const onFail = (e: { vmid: number; step: LifecycleStep; runner?: string; code: string }) => {
    say(`unrot: CT ${e.vmid} ${doing(e.step, e.runner)} failed: ${terminalField(e.code)}`);
  };
  const onEnd = (e: { vmid: number; outcome: string }) => {
    const f = inFlight.get(e.vmid);
    inFlight.delete(e.vmid);
    done.add(e.vmid);
    const why = f?.skipped ? `: ${terminalField(f.skipped)}` : '';
    say(`unrot: CT ${e.vmid} ${terminalField(e.outcome)}${why}${f ? ` in ${elapsed(now() - f.since)}` : ''}`);
  };
  // Containers not selected are in the report; the progress is about the selected ones.
  const onSkip = (e: { vmid: number; reason: string }) => {
    if (!targets.has(e.vmid)) return;
    const f = inFlight.get(e.vmid);
    // A skip inside the pipeline is followed by container:end, which says it with the reason.
    if (f) f.skipped = e.reason;
    else {
      done.add(e.vmid);
      say(`unrot: CT ${e.vmid} skipped: ${terminalField(e.reason)}`);
    }
  };

  events.on('run:start', onStart);
  events.on('step:start', onStep);
  events.on('step:fail', onFail);
  events.on('container:end', onEnd);
  events.on('container:skip', onSkip);
  const timer = mode === 'live' ? (options.every ?? defaultEvery)(500, draw) : undefined;
  return {
    stop() {
      timer?.stop();
      events.off('run:start', onStart);
      events.off('step:start', onStep);
      events.off('step:fail', onFail);
      events.off('container:end', onEnd);
      events.off('container:skip', onSkip);
      if (mode === 'live') clear();
    },
  };
}
