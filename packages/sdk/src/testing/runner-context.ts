import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ContainerInfo } from '../container.js';
import type { Exec } from '../exec.js';
import type { Logger } from '../logger.js';
import type { RunnerContext } from '../runner.js';
import { contractContainer } from './lifecycle-checks.js';

/** One message a runner logged at info, warn or error, with its fields (for "no secret in the log" assertions). */
export interface LoggedEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

export interface RunnerTestContext<O, E extends Exec> {
  exec: E;
  ctx: RunnerContext<O>;
  /** The messages logged, in order (`expect(logged).toContain('…')`). */
  logged: string[];
  entries: LoggedEntry[];
}

export interface RunnerTestContextExtras {
  exclusions?: readonly string[];
  signal?: AbortSignal;
  container?: Partial<ContainerInfo>;
}

/**
 * The context the engine builds around a runner, for a plugin's own tests: any Exec (replayed,
 * recorded or a real local one), options filled by the schema's defaults from a copy (as the
 * engine does before handing them over), and a logger that keeps what the runner said.
 */
export function runnerContext<S extends TSchema, E extends Exec>(
  schema: S,
  exec: E,
  options: unknown = {},
  extras: RunnerTestContextExtras = {},
): RunnerTestContext<Static<S>, E> {
  const logged: string[] = [];
  const entries: LoggedEntry[] = [];
  const keep =
    (level: LoggedEntry['level']) =>
    (obj: Record<string, unknown> | string, msg?: string): void => {
      const text = typeof obj === 'string' ? obj : (msg ?? '');
      logged.push(text);
      entries.push({ level, msg: text, fields: typeof obj === 'string' ? {} : obj });
    };
  const log: Logger = { debug() {}, info: keep('info'), warn: keep('warn'), error: keep('error') };
  const ctx: RunnerContext<Static<S>> = {
    exec,
    log,
    signal: extras.signal ?? new AbortController().signal,
    options: Value.Default(schema, structuredClone(options ?? {})) as Static<S>,
    container: contractContainer(extras.container),
    exclusions: extras.exclusions ?? [],
  };
  return { exec, ctx, logged, entries };
}
