import { type Static, Type } from '@sinclair/typebox';
import { COMMAND_NAME_PATTERN } from '@unrot/sdk';

/**
 * Commands an admin writes into a policy (hooks, custom runner steps) run inside containers as
 * root. They are argv arrays, never shell strings, and their binaries must be on the global
 * allowlist unless a policy opts out explicitly (checked by `unrot validate`).
 */

export const CommandAllowlistSchema = Type.Array(
  Type.String({
    pattern: COMMAND_NAME_PATTERN,
    maxLength: 4096,
    description: 'a command name or an absolute path',
  }),
  {
    maxItems: 500,
    description:
      'binaries that hooks and custom commands may run: a bare name allows argv[0] written as that bare name, an absolute path allows exactly that path (default: none)',
  },
);

export const AllowUnlistedCommandsSchema = Type.Boolean({
  description: "true lets this policy's hooks and custom commands run binaries that are not on command_allowlist (default false)",
});

export const HookCommandSchema = Type.Object(
  {
    argv: Type.Array(Type.String({ maxLength: 4096 }), {
      minItems: 1,
      maxItems: 256,
      description: 'the command and its arguments, run inside the container without a shell',
    }),
    timeout: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 86400, description: 'seconds before the command is killed (default: the apply timeout)' }),
    ),
  },
  { additionalProperties: false, description: 'one hook command' },
);
export type HookCommand = Static<typeof HookCommandSchema>;

export const HookListSchema = (when: string) =>
  Type.Array(HookCommandSchema, {
    maxItems: 32,
    description: `commands run in order inside the container ${when}; a failure rolls the container back`,
  });

export const PreUpdateHooksSchema = HookListSchema('after the backup and before the first change (only when an update is planned)');
export const PostUpdateHooksSchema = HookListSchema('after every runner applied, before restarts and verification');
