import { type Static, Type } from '@sinclair/typebox';

export const CmdOptionsSchema = Type.Object(
  {
    argv: Type.Array(Type.String({ maxLength: 4096 }), {
      minItems: 1,
      maxItems: 256,
      description: 'the command and its arguments, run inside the container without a shell; it must exit 0',
    }),
    stdout_contains: Type.Optional(Type.String({ minLength: 1, description: 'text the standard output must contain' })),
    stdout_regex: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'a JavaScript regular expression the standard output must match (multiline: ^ and $ match at line boundaries)',
      }),
    ),
    timeout_ms: Type.Integer({
      minimum: 1,
      maximum: 600_000,
      default: 10_000,
      description: 'kill the command after this many milliseconds',
    }),
  },
  { additionalProperties: false },
);

export type CmdOptions = Static<typeof CmdOptionsSchema>;
