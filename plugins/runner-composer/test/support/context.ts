import type { Exec, RunnerContext } from '@unrot/sdk';
import { runnerContext } from '@unrot/sdk/testing';
import { type ComposerOptions, ComposerOptionsSchema } from '../../src/options.js';

/** A runner context around a real exec, with options filled by the schema defaults. */
export function contextFor(exec: Exec, options: Partial<ComposerOptions>, exclusions: string[] = []): RunnerContext<ComposerOptions> {
  return runnerContext(ComposerOptionsSchema, exec, options, { exclusions }).ctx;
}
