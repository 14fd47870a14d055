import type { Exec, RunnerContext } from '@unrot/sdk';
import { runnerContext } from '@unrot/sdk/testing';
import { type NpmOptions, NpmOptionsSchema } from '../../src/options.js';

/** A runner context around a real exec, with options filled by the schema defaults. */
export function contextFor(exec: Exec, options: Partial<NpmOptions>, exclusions: string[] = []): RunnerContext<NpmOptions> {
  return runnerContext(NpmOptionsSchema, exec, options, { exclusions }).ctx;
}
