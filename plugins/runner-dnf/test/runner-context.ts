// The RunnerContext the dnf tests hand the runner, over any Exec (replayed or a real chroot),
// with the messages it logged kept for assertions.
import type { Exec } from '@unrot/sdk';
import { runnerContext } from '@unrot/sdk/testing';
import { type DnfOptions, DnfOptionsSchema } from '../src/options.js';

export function dnfContext<E extends Exec>(exec: E, options: DnfOptions, exclusions: string[] = []) {
  return runnerContext(DnfOptionsSchema, exec, options, { exclusions });
}
