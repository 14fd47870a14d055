// The RunnerContext the docker tests hand the runner, over any Exec (replayed or real), with
// every logged message and its fields kept for assertions (secrets must never appear there).

import { Value } from '@sinclair/typebox/value';
import { type Exec, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer } from '@unrot/sdk/testing';
import { type DockerOptions, DockerOptionsSchema } from '../src/options.js';

export function dockerOptions(options: Partial<DockerOptions> = {}): DockerOptions {
  return { ...(Value.Default(DockerOptionsSchema, {}) as DockerOptions), ...options };
}

export function dockerContext<E extends Exec>(exec: E, options: Partial<DockerOptions> = {}, exclusions: string[] = []) {
  const logged: string[] = [];
  const keep = (o: unknown, m?: string) => logged.push(`${m ?? ''} ${JSON.stringify(o)}`);
  const log = { ...silentLogger, info: keep, warn: keep, error: keep };
  const ctx: RunnerContext<DockerOptions> = {
    exec,
    log,
    signal: new AbortController().signal,
    options: dockerOptions(options),
    container: contractContainer(),
    exclusions,
  };
  return { exec, ctx, logged };
}
