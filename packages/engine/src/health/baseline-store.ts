import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UnrotError } from '@unrot/sdk';
import { writeFileAtomic } from '../report/write-atomic.js';
import type { HealthHistoryPolicy } from './policy-schema.js';
import type { ScheduleResult } from './schedule.js';

export const BaselineEntrySchema = Type.Object(
  {
    at: Type.String(),
    outcome: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
    attempts: Type.Integer({ minimum: 0 }),
    okAttempts: Type.Integer({ minimum: 0 }),
    /** Why: 'before-update', 'after-update' or any other phase the engine names. */
    phase: Type.String(),
    summary: Type.String(),
  },
  { additionalProperties: false },
);
export type BaselineEntry = Static<typeof BaselineEntrySchema>;

const BaselineFileSchema = Type.Object(
  { version: Type.Literal(1), vmid: Type.Integer(), checks: Type.Record(Type.String(), Type.Array(BaselineEntrySchema)) },
  { additionalProperties: false },
);
type BaselineFile = Static<typeof BaselineFileSchema>;

const CHECK_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

/**
 * Recent health results per container, one JSON file per container under `dir`
 * (`ct-<vmid>.json`): a container's pipeline runs in one worker, so each file has one writer.
 * Writes are atomic; a file that is unreadable or fails its schema starts a fresh history
 * (history informs decisions, it must never block an update run).
 */
export class BaselineStore {
  readonly #dir: string;
  readonly #keep: number;
  /** Serialises writes to one file within this process. */
  readonly #queues = new Map<number, Promise<unknown>>();

  constructor(dir: string, options: { keep?: number } = {}) {
    this.#dir = dir;
    this.#keep = options.keep ?? 20;
  }

  file(vmid: number): string {
    return join(this.#dir, `ct-${vmid}.json`);
  }

  async #load(vmid: number): Promise<BaselineFile> {
    let raw: string;
    try {
      raw = await readFile(this.file(vmid), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, vmid, checks: {} };
      throw new UnrotError('E_INTERNAL', `cannot read health history ${this.file(vmid)}: ${(error as Error).message}`);
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      if (Value.Check(BaselineFileSchema, parsed) && parsed.vmid === vmid) return parsed;
    } catch {
      // fall through: a torn or foreign file is replaced by a fresh history
    }
    return { version: 1, vmid, checks: {} };
  }

  /** Results of one check, oldest first. */
  async history(vmid: number, check: string): Promise<BaselineEntry[]> {
    return (await this.#load(vmid)).checks[check] ?? [];
  }

  /** Appends a schedule's result and keeps the newest `keep` entries (the store's, unless given). */
  async record(
    vmid: number,
    check: string,
    result: ScheduleResult,
    phase: string,
    at: Date = new Date(),
    keep: number = this.#keep,
  ): Promise<BaselineEntry> {
    if (!CHECK_NAME.test(check)) throw new UnrotError('E_CONFIG', `health check name '${check}' is not allowed`);
    const entry: BaselineEntry = {
      at: at.toISOString(),
      outcome: result.outcome,
      attempts: result.attempts.length,
      okAttempts: result.attempts.filter((a) => a.ok).length,
      phase,
      summary: result.summary.slice(0, 500),
    };
    const previous = this.#queues.get(vmid) ?? Promise.resolve();
    const next = previous.then(async () => {
      const file = await this.#load(vmid);
      file.checks[check] = [...(file.checks[check] ?? []), entry].slice(-keep);
      await writeFileAtomic(this.file(vmid), `${JSON.stringify(file, null, 2)}\n`);
    });
    this.#queues.set(
      vmid,
      next.catch(() => undefined),
    );
    await next;
    return entry;
  }
}

export interface SuccessRate {
  /** Schedules recorded. */
  samples: number;
  /** Share of schedules that ended pass or warn. */
  outcomeRate: number;
  /** Share of single attempts that passed, over all recorded schedules. */
  attemptRate: number;
}

export function successRate(entries: readonly BaselineEntry[]): SuccessRate {
  const attempts = entries.reduce((n, e) => n + e.attempts, 0);
  const ok = entries.reduce((n, e) => n + e.okAttempts, 0);
  const passed = entries.filter((e) => e.outcome !== 'fail').length;
  return {
    samples: entries.length,
    outcomeRate: entries.length === 0 ? 0 : passed / entries.length,
    attemptRate: attempts === 0 ? 0 : ok / attempts,
  };
}

/**
 * 'flaky': attempts sometimes fail even when nothing changed, so one failure after an update
 * proves little; 'failing': it never passed recently; 'stable'; 'unknown': too little history.
 */
export type HistoryClass = 'unknown' | 'stable' | 'flaky' | 'failing';

export function classifyHistory(
  entries: readonly BaselineEntry[],
  policy: Partial<Pick<HealthHistoryPolicy, 'min_samples' | 'flaky_below'>> = {},
): HistoryClass {
  const rate = successRate(entries);
  if (rate.samples < (policy.min_samples ?? 5)) return 'unknown';
  if (rate.outcomeRate === 0) return 'failing';
  return rate.attemptRate < (policy.flaky_below ?? 0.9) ? 'flaky' : 'stable';
}

export interface HistoryJudgement extends SuccessRate {
  class: HistoryClass;
}

/**
 * How reliable a check has been, from its newest `window` baselines only: a baseline ran while
 * nothing had changed yet, so its failures are the probe's (or the app's) own, never an update's.
 * After-update results are left out: a broken update that was rolled back must not make the
 * check look flaky next time.
 */
export function judgeHistory(entries: readonly BaselineEntry[], policy: Partial<HealthHistoryPolicy> = {}): HistoryJudgement {
  const baselines = entries.filter((e) => e.phase === 'before-update').slice(-(policy.window ?? 20));
  return { ...successRate(baselines), class: classifyHistory(baselines, policy) };
}
