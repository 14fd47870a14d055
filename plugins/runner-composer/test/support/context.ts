import { Value } from '@sinclair/typebox/value';
import { type Exec, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer } from '@unrot/sdk/testing';
import { type ComposerOptions, ComposerOptionsSchema } from '../../src/options.js';

/** A runner context around a real exec, with options filled by the schema defaults. */
export function contextFor(exec: Exec, options: Partial<ComposerOptions>, exclusions: string[] = []): RunnerContext<ComposerOptions> {
  return {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(ComposerOptionsSchema, structuredClone(options)) as ComposerOptions,
    container: contractContainer(),
    exclusions,
  };
}
