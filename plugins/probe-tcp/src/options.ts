import { type Static, Type } from '@sinclair/typebox';

export const TcpOptionsSchema = Type.Object(
  {
    host: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[A-Za-z0-9.:_-]+$',
        description: "host name or IP address to connect to; default: the container's address, else 127.0.0.1",
      }),
    ),
    port: Type.Integer({ minimum: 1, maximum: 65535, description: 'TCP port that must accept a connection' }),
    timeout_ms: Type.Integer({
      minimum: 1,
      maximum: 600_000,
      default: 3_000,
      description: 'give up connecting after this many milliseconds',
    }),
  },
  { additionalProperties: false },
);

export type TcpOptions = Static<typeof TcpOptionsSchema>;
