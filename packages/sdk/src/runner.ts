import type { Static, TSchema } from '@sinclair/typebox';
import type { ContainerInfo } from './container.js';
import type { Exec } from './exec.js';
import type { Logger } from './logger.js';
import type { ApplyResult, CheckResult, DetectResult, PlanStep, Update } from './results.js';

/** The SDK major version plugins declare; the engine refuses a plugin with another. */
export const SDK_VERSION = 1 as const;

/** What the engine hands every Runner step. */
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
  /**
   * SDK 1.2, staged rollouts: true when the updates handed to plan are held to versions another
   * container proved (a wave after the canary). plan must then install exactly each update's `to`
   * (apt `name=version`), never "the newest", so a version published between check and apply
   * cannot slip in. Set only for a runner that declares `pinsVersions`; absent otherwise.
   */
  exactVersions?: boolean;
}

/** A command a runner's options name (custom steps): the engine checks its binary against the global allowlist at validation time. */
export interface DeclaredCommand {
  argv: readonly string[];
  /** Where in this runner's options the argv sits, e.g. ['commands', 0, 'argv'] (for file:line in errors). */
  path: ReadonlyArray<string | number>;
}

/** A rule of a runner's options that its schema cannot express (e.g. unique names), found by validateOptions. */
export interface OptionsProblem {
  /** Where in this runner's options, e.g. ['commands', 2, 'name'] (for file:line in errors). */
  path: ReadonlyArray<string | number>;
  message: string;
}

/** A package source the container must reach (pre-flight network check from inside the container). */
export interface SourceEndpoint {
  /** Host name or IP literal, as the container resolves it. */
  host: string;
  port: number;
  /** Where it came from, for the report, e.g. 'deb http://deb.debian.org/debian (/etc/apt/sources.list)'. */
  origin: string;
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
  /**
   * Optional, pure: the commands its (validated) options name, so `unrot validate` can refuse a
   * binary that is not on the global allowlist before anything runs. Runners that build their
   * own commands (apt, npm, pip) do not implement it.
   */
  declaredCommands?(options: Static<S>): DeclaredCommand[];
  /**
   * Optional, pure: rules its options schema cannot express, checked by `unrot validate` (and
   * before every plan and run) after the schema passed; each problem is reported with its file and line.
   */
  validateOptions?(options: Static<S>): OptionsProblem[];
  /**
   * Optional, read-only: the package sources this container uses (read with ctx.exec.read), so the
   * engine's pre-flight can check from inside the container that each is reachable before a
   * backup is taken. Called after a positive detect.
   */
  sources?(ctx: RunnerContext<Static<S>>): Promise<SourceEndpoint[]>;
  /**
   * Optional (SDK 1.2): the constant shell scripts this runner's detect, check and sources may run
   * as `sh -c SCRIPT NAME ARG…`, to batch read-only commands into one exec (each exec into a
   * container is a `pct` process on the host). Everything that varies reaches the script as a
   * positional parameter ($1 …), never as part of its text, and its output is parsed as untrusted.
   * The contract kit refuses every other shell command string, and any in plan.
   */
  scripts?: readonly string[];
  /**
   * Optional, changing (SDK 1.2): clean-up that must wait until the update is verified, e.g.
   * removing the old images runner-docker replaced. Called once per container, after verify
   * passed (still running, nothing planned left pending, health checks passed), with what this
   * runner's apply reported as changed in this run; never in dry-run, never when nothing changed
   * or the update is rolled back. A failure is only logged as a warning: the update stays.
   */
  afterVerify?(ctx: RunnerContext<Static<S>>, applied: { changed: readonly Update[] }): Promise<void>;
  /**
   * Optional (SDK 1.2): true when plan honours `ctx.exactVersions`: with it, every step's argv
   * names each update it carries at exactly its `to`. The contract kit checks it. A runner without
   * it is still held to the canary's versions at check, but installs what its plan names.
   */
  pinsVersions?: boolean;
}

/** Identity function that types a runner's options from its schema. */
export function defineRunner<S extends TSchema>(runner: Runner<S>): Runner<S> {
  return runner;
}

/** Matches a package name against exclusions, which may hold `*` globs. */
export function isExcluded(name: string, exclusions: readonly string[]): boolean {
  return exclusions.some((pattern) => globToRegExp(pattern).test(name));
}

/** The glob rule of exclusions (`*` any run, `?` one character, whole name); the engine matches target names with it too. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
