import type { Exec, RunnerContext } from '@unrot/sdk';
import { runnerContext } from '@unrot/sdk/testing';
import { type GoOptions, GoOptionsSchema } from '../../src/options.js';

/** A runner context around a real exec, with options filled by the schema defaults. */
export function contextFor(exec: Exec, options: Partial<GoOptions>, exclusions: string[] = []): RunnerContext<GoOptions> {
  return runnerContext(GoOptionsSchema, exec, options, { exclusions }).ctx;
}
