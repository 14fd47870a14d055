import type { Exec, RunnerContext } from '@unrot/sdk';
import { runnerContext } from '@unrot/sdk/testing';
import { type FlatpakOptions, FlatpakOptionsSchema } from '../../src/options.js';

/** A runner context around a real exec, with options filled by the schema defaults. */
export function contextFor(exec: Exec, options: Partial<FlatpakOptions>, exclusions: string[] = []): RunnerContext<FlatpakOptions> {
  return runnerContext(FlatpakOptionsSchema, exec, options, { exclusions }).ctx;
}
