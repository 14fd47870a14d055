import { Value } from '@sinclair/typebox/value';
import { type Exec, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer } from '@unrot/sdk/testing';
import { type NpmOptions, NpmOptionsSchema } from '../../src/options.js';

/** A runner context around a real exec, with options filled by the schema defaults. */
export function contextFor(exec: Exec, options: Partial<NpmOptions>, exclusions: string[] = []): RunnerContext<NpmOptions> {
  return {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(NpmOptionsSchema, structuredClone(options)) as NpmOptions,
    container: contractContainer(),
    exclusions,
  };
}
