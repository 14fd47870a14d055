import { type Static, Type } from '@sinclair/typebox';

/** 200, a class like 2xx, or an inclusive range like 200-399. */
export const StatusSpecSchema = Type.Union([
  Type.Integer({ minimum: 100, maximum: 599 }),
  Type.String({ pattern: '^([1-5]xx|[1-5][0-9]{2}-[1-5][0-9]{2})$' }),
]);
export type StatusSpec = Static<typeof StatusSpecSchema>;

export const HttpOptionsSchema = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s]+$',
        maxLength: 2048,
        description: 'full http:// or https:// URL; when set, scheme, host, port and path are ignored',
      }),
    ),
    scheme: Type.Union([Type.Literal('http'), Type.Literal('https')], { default: 'http', description: 'http or https' }),
    host: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[A-Za-z0-9.:_-]+$',
        description: "host name or IP address; default: the container's address, else 127.0.0.1",
      }),
    ),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'default: 80 for http, 443 for https' })),
    path: Type.String({ pattern: '^/[^\\s]*$', maxLength: 2048, default: '/', description: 'request path, with an optional query' }),
    method: Type.Union([Type.Literal('GET'), Type.Literal('HEAD')], { default: 'GET', description: 'GET or HEAD' }),
    expect_status: Type.Array(StatusSpecSchema, {
      minItems: 1,
      default: ['2xx'],
      description: 'statuses that pass: codes (200), classes (2xx) or inclusive ranges (200-399); redirects are not followed',
    }),
    latency_slo_ms: Type.Optional(
      Type.Integer({ minimum: 1, description: 'a complete response slower than this many milliseconds fails the attempt' }),
    ),
    body_contains: Type.Optional(Type.String({ minLength: 1, description: 'text the response body must contain (GET only)' })),
    body_regex: Type.Optional(
      Type.String({ minLength: 1, description: 'a JavaScript regular expression the body must match (multiline; GET only)' }),
    ),
    max_body_bytes: Type.Integer({
      minimum: 1,
      maximum: 64 * 1024 * 1024,
      default: 1024 * 1024,
      description: 'only this many bytes of the body are searched for body_contains / body_regex',
    }),
    headers: Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String({ maxLength: 8192 }), {
      default: {},
      // Without it a Record only types the names that match the pattern and lets any other through.
      additionalProperties: false,
      description: 'request headers; their values never appear in details or logs',
    }),
    tls: Type.Object(
      {
        ca_file: Type.Optional(Type.String({ minLength: 1, description: 'PEM file on the host with the CA certificates to trust' })),
        insecure_skip_verify: Type.Boolean({ default: false, description: 'accept any certificate (self-signed, expired, wrong name)' }),
        servername: Type.Optional(
          Type.String({ minLength: 1, maxLength: 253, description: 'TLS SNI name and the name the certificate must carry' }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    timeout_ms: Type.Integer({
      minimum: 1,
      maximum: 600_000,
      default: 5_000,
      description: 'the whole attempt (connect, TLS, headers and body) must finish within this many milliseconds',
    }),
  },
  { additionalProperties: false },
);

export type HttpOptions = Static<typeof HttpOptionsSchema>;
