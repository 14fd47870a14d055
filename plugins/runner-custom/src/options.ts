import { type Static, Type } from '@sinclair/typebox';

/** Command names end up in plans, reports and exclusion matching: keep them plain. */
export const COMMAND_ID_PATTERN = '^[a-z0-9][a-z0-9_-]*$';

// JSON Schema cannot constrain argv[0] alone (typebox has no prefixItems); validate-commands.ts checks it.
const argvSchema = (description: string) =>
  Type.Array(Type.String({ maxLength: 4096, pattern: '^[^\\u0000]*$', description: 'one argument, passed as it is (no shell)' }), {
    minItems: 1,
    maxItems: 256,
    description,
  });

export const CustomCommandSchema = Type.Object(
  {
    name: Type.String({
      pattern: COMMAND_ID_PATTERN,
      maxLength: 64,
      description:
        'names the command in plans, reports and exclusions: lower-case letters, digits, _ and -, starting with a letter or digit; unique within commands',
    }),
    argv: argvSchema(
      'the command and its arguments, run inside the container as root without a shell: argv[0] is a bare command name (looked up on PATH) or an absolute path, the other elements are passed unchanged, so quotes, $ and ; in them are plain text',
    ),
    timeout: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86400,
        description:
          'seconds after which the command is ended inside the container (timeout -k 10 SECONDS …: TERM, then KILL 10 s later); without it only the apply step timeout applies',
      }),
    ),
    only_if: Type.Optional(
      argvSchema(
        'a read-only command (same argv rules) run during check: the command is planned only when it exits 0; exit 1 to 125 means not due; 126, 127 or a signal fails the check. It must say "not due" once the command has run, or verification fails',
      ),
    ),
    ok_exit_codes: Type.Array(Type.Integer({ minimum: 0, maximum: 255 }), {
      minItems: 1,
      maxItems: 32,
      uniqueItems: true,
      default: [0],
      description: 'exit codes of argv that count as success; any other stops the remaining commands and fails the update',
    }),
  },
  { additionalProperties: false, description: 'one custom command' },
);
export type CustomCommand = Static<typeof CustomCommandSchema>;

/** Options of the custom runner (`runners: { custom: { commands: [...] } }` in a policy). */
export const CustomOptionsSchema = Type.Object(
  {
    // Optional only because an options schema must accept `{}`; a runner without commands is not applicable.
    commands: Type.Optional(
      Type.Array(CustomCommandSchema, {
        minItems: 1,
        maxItems: 50,
        description:
          'commands run in this order inside the container during apply, each only when due (see only_if); the first failure stops the rest',
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);
export type CustomOptions = Static<typeof CustomOptionsSchema>;
