// The RunnerContext the dnf tests hand the runner, over any Exec (replayed or a real chroot),
// with the info/warn messages it logged kept for assertions.
import { type Exec, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer } from '@unrot/sdk/testing';
import type { DnfOptions } from '../src/options.js';

export function dnfContext<E extends Exec>(exec: E, options: DnfOptions, exclusions: string[] = []) {
  const logged: string[] = [];
  const log = {
    ...silentLogger,
    info: (_o: unknown, m?: string) => logged.push(m ?? ''),
    warn: (_o: unknown, m?: string) => logged.push(m ?? ''),
  };
  const ctx: RunnerContext<DnfOptions> = {
    exec,
    log,
    signal: new AbortController().signal,
    options,
    container: contractContainer(),
    exclusions,
  };
  return { exec, ctx, logged };
}
