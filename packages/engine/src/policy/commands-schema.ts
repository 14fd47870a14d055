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
    where: Type.Optional(
      Type.Union([Type.Literal('container'), Type.Literal('host')], {
        description:
          "where the command runs: 'container' (inside it, through pct exec) or 'host' (on the Proxmox host as root, argv only; argv[0] must be on command_allowlist even with allow_unlisted_commands) (default container)",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'one hook command; it gets UNROT_CTID, UNROT_RUN_ID, UNROT_PHASE and UNROT_CONTEXT (a 0600 JSON file with the planned and changed packages) in its environment',
  },
);
export type HookCommand = Static<typeof HookCommandSchema>;

export const HookListSchema = (when: string, onFailure = 'a failure rolls the container back') =>
  Type.Array(HookCommandSchema, {
    maxItems: 32,
    description: `commands run in order ${when}; ${onFailure}. Each: argv, timeout (s), where (container or host); it gets UNROT_CTID, UNROT_RUN_ID, UNROT_PHASE and UNROT_CONTEXT (docs/scheduling.md)`,
  });

/** A pre_update hook exiting with this code (EX_TEMPFAIL) skips the container instead of failing it. */
export const HOOK_VETO_EXIT_CODE = 75;

export const PreUpdateHooksSchema = HookListSchema(
  'after the backup and before the first change (only when an update is planned)',
  `exit ${HOOK_VETO_EXIT_CODE} vetoes the update (the container is skipped, reason: the hook's last output line, its snapshot deleted); any other failure rolls the container back`,
);
export const PostUpdateHooksSchema = HookListSchema('after every runner applied, before restarts and verification');
export const OnRollbackHooksSchema = HookListSchema(
  'after a rollback completed, inside the restored container',
  'a failure is a warning and never changes the outcome',
);
export const OnFailureHooksSchema = HookListSchema(
  'for any failed container, after its rollback if there was one',
  'a failure is a warning and never changes the outcome',
);
