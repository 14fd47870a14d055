import type { Static, TSchema } from '@sinclair/typebox';
import type { ContainerInfo } from './container.js';
import type { Exec } from './exec.js';
import type { Logger } from './logger.js';
import type { ApplyResult, CheckResult, DetectResult, PlanStep } from './results.js';

/** The SDK major version plugins declare; the engine refuses a plugin with another. */
export const SDK_VERSION = 1 as const;

export interface RunnerContext<O = unknown> {
  /** Engine-owned: read() runs in dry-run, change() is only recorded there. */
  exec: Exec;
  log: Logger;
  /** Aborted on step timeout, max runtime or kill switch. Pass it on; stop at a safe point. */
  signal: AbortSignal;
  /** This runner's options from the container policy, already validated against optionsSchema. */
  options: O;
  container: ContainerInfo;
  /** Package names or `*` globs never to update (global plus per-container). */
  exclusions: readonly string[];
}

/**
 * A runner knows one package ecosystem. Steps are separate so the engine can
 * run check and plan in dry-run, and apply only for real.
 */
export interface Runner<S extends TSchema = TSchema> {
  /** Key in `runners:` of a container policy; `os` runners are chosen by `runners.os: <id>`. */
  id: string;
  sdk: typeof SDK_VERSION;
  /** `os` runners manage the distribution's packages; `app` runners an application ecosystem. */
  kind: 'os' | 'app';
  description: string;
  optionsSchema: S;
  /** Read-only: is the ecosystem present in this container? */
  detect(ctx: RunnerContext<Static<S>>): Promise<DetectResult>;
  /** Read-only: which updates are pending (may refresh package indexes; nothing else). */
  check(ctx: RunnerContext<Static<S>>): Promise<CheckResult>;
  /** Pure: turns pending updates into exact commands. An empty plan means nothing to do. */
  plan(ctx: RunnerContext<Static<S>>, check: CheckResult): Promise<PlanStep[]>;
  /** Runs the plan through ctx.exec.change and reports what really changed. */
  apply(ctx: RunnerContext<Static<S>>, plan: PlanStep[]): Promise<ApplyResult>;
}

export function defineRunner<S extends TSchema>(runner: Runner<S>): Runner<S> {
  return runner;
}

/** Matches a package name against exclusions, which may hold `*` globs. */
export function isExcluded(name: string, exclusions: readonly string[]): boolean {
  return exclusions.some((pattern) => globToRegExp(pattern).test(name));
}

export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
