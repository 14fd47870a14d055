import { type Static, Type } from '@sinclair/typebox';

// An address, or `Name <address>`; no CR/LF so nothing can be smuggled into headers.
const ADDRESS = '[^\\s@<>,;"]+@[^\\s@<>,;"]+';
const ADDRESS_PATTERN = `^${ADDRESS}$`;
const MAILBOX_PATTERN = `^(${ADDRESS}|[^<>\\r\\n"]*<${ADDRESS}>)$`;

export const SECURITIES = ['plain', 'starttls', 'tls'] as const;
export type Security = (typeof SECURITIES)[number];

/** Port when none is given: submission with STARTTLS, submissions (implicit TLS), SMTP. */
export const DEFAULT_PORTS: Record<Security, number> = { starttls: 587, tls: 465, plain: 25 };
export const DEFAULT_TIMEOUT_S = 20;

export const EmailOptionsSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.:\\[\\]_-]+$', description: 'SMTP server host name or IP address' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'default 587 (starttls), 465 (tls), 25 (plain)' })),
    security: Type.Optional(
      Type.Union(
        SECURITIES.map((s) => Type.Literal(s)),
        {
          default: 'starttls',
          description:
            'starttls: upgrade required (fails if the server does not offer it); tls: TLS from the first byte; plain: no encryption',
        },
      ),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          user: Type.String({ minLength: 1 }),
          password: Type.String({ minLength: 1, 'x-secret': true, description: 'a secret: write { secret: NAME }' }),
        },
        { additionalProperties: false },
      ),
    ),
    from: Type.String({ pattern: MAILBOX_PATTERN, description: 'sender: address or "Name <address>"' }),
    to: Type.Array(Type.String({ pattern: ADDRESS_PATTERN }), { minItems: 1, maxItems: 50, description: 'recipients' }),
    timeout_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 300,
        default: DEFAULT_TIMEOUT_S,
        description: 'for connecting, the greeting and each SMTP command',
      }),
    ),
    ca_file: Type.Optional(Type.String({ pattern: '^/', description: 'PEM file of CA certificates to trust instead of the system store' })),
    subject_prefix: Type.Optional(Type.String({ default: '[unrot]', pattern: '^[^\\r\\n]*$', maxLength: 60 })),
    client_name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.-]+$', description: 'name sent in EHLO; default the host name' })),
  },
  { additionalProperties: false },
);
export type EmailOptions = Static<typeof EmailOptionsSchema>;
