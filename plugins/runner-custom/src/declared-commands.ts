import type { DeclaredCommand } from '@unrot/sdk';
import type { CustomOptions } from './options.js';

/** Every argv the options name, with where it sits, for the engine's allowlist check. Pure. */
export function declaredCommands(options: CustomOptions): DeclaredCommand[] {
  return (options.commands ?? []).flatMap((c, i) => [
    { argv: c.argv, path: ['commands', i, 'argv'] },
    ...(c.only_if ? [{ argv: c.only_if, path: ['commands', i, 'only_if'] }] : []),
  ]);
}
