import type { Exec, RunnerContext } from '@unrot/sdk';
import { runnerContext } from '@unrot/sdk/testing';
import { type GemOptions, GemOptionsSchema } from '../../src/options.js';

/** A runner context around a real exec, with options filled by the schema defaults. */
export function contextFor(exec: Exec, options: Partial<GemOptions>, exclusions: string[] = []): RunnerContext<GemOptions> {
  return runnerContext(GemOptionsSchema, exec, options, { exclusions }).ctx;
}
