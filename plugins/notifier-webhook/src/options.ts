import { type Static, Type } from '@sinclair/typebox';

export const FORMATS = ['generic', 'slack', 'discord', 'teams', 'telegram', 'ntfy', 'gotify'] as const;
export type Format = (typeof FORMATS)[number];

// No pattern on secret fields: a config error message would echo the offending value.
// 'x-secret' makes the engine refuse an inline value: it must be a `{ secret: NAME }` reference.
const secret = (description: string) => Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description }));

export const WebhookOptionsSchema = Type.Object(
  {
    format: Type.Union(
      FORMATS.map((f) => Type.Literal(f)),
      { description: 'the service the message is shaped for' },
    ),
    url: secret(
      'the webhook URL (generic, slack, discord, teams), the topic URL (ntfy) or the server URL (gotify); a secret: never logged',
    ),
    bot_token: secret('telegram: the bot token from @BotFather; a secret'),
    chat_id: Type.Optional(
      Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 256 })], {
        description: 'telegram: the chat id (integer) or @channelusername',
      }),
    ),
    api_base: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'telegram: the Bot API server (default https://api.telegram.org); for a local Bot API server',
      }),
    ),
    token: secret('gotify: the application token (X-Gotify-Key); ntfy: an access token (Authorization: Bearer); a secret'),
    priority: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description: 'ntfy (1 to 5) or gotify (0 to 10) priority for every message; default: derived from the severity',
      }),
    ),
    secret: secret('generic: the key that signs each request (X-Unrot-Signature, HMAC-SHA256); a secret'),
    timeout_ms: Type.Integer({
      minimum: 100,
      maximum: 120_000,
      default: 10_000,
      description: 'time limit of one attempt, from connecting to the end of the answer',
    }),
    retries: Type.Integer({
      minimum: 0,
      maximum: 10,
      default: 3,
      description: 'extra attempts after a network error, a timeout, a 5xx or a 429 answer; never after other 4xx',
    }),
    backoff_ms: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 1_000,
      description: 'wait before the first retry; doubled for each further retry, at most 30 s',
    }),
    retry_after_max_ms: Type.Integer({
      minimum: 0,
      maximum: 300_000,
      default: 30_000,
      description: 'the longest Retry-After (429/503) honoured; a service asking for more is given up on at once',
    }),
  },
  { additionalProperties: false },
);

export type WebhookOptions = Static<typeof WebhookOptionsSchema>;

/** Which keys each format needs, beyond `format`. */
const REQUIRED: Record<Format, (keyof WebhookOptions)[]> = {
  generic: ['url'],
  slack: ['url'],
  discord: ['url'],
  teams: ['url'],
  telegram: ['bot_token', 'chat_id'],
  ntfy: ['url'],
  gotify: ['url', 'token'],
};

/** Keys only one format reads: set on another format they are a mistake worth naming. */
const ONLY_FOR: Partial<Record<keyof WebhookOptions, Format[]>> = {
  url: ['generic', 'slack', 'discord', 'teams', 'ntfy', 'gotify'],
  bot_token: ['telegram'],
  chat_id: ['telegram'],
  api_base: ['telegram'],
  token: ['ntfy', 'gotify'],
  priority: ['ntfy', 'gotify'],
  secret: ['generic'],
};

/** Cross-field rules the schema cannot express. Messages name keys only, never values. */
export function checkWebhookOptions(o: WebhookOptions): string[] {
  const problems: string[] = [];
  for (const key of REQUIRED[o.format]) {
    if (o[key] === undefined) problems.push(`format ${o.format} needs '${key}'`);
  }
  for (const [key, formats] of Object.entries(ONLY_FOR) as [keyof WebhookOptions, Format[]][]) {
    if (o[key] !== undefined && !formats.includes(o.format)) problems.push(`'${key}' is not used by format ${o.format}`);
  }
  for (const key of ['url', 'api_base'] as const) {
    const value = o[key];
    if (value === undefined) continue;
    const parsed = URL.canParse(value) ? new URL(value) : undefined;
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) problems.push(`'${key}' must be an http(s) URL`);
  }
  if (o.bot_token !== undefined && !/^[0-9]+:[A-Za-z0-9_-]+$/.test(o.bot_token)) {
    problems.push("'bot_token' does not look like a Telegram bot token (digits, a colon, then letters, digits, _ and -)");
  }
  if (o.priority !== undefined && o.format === 'ntfy' && (o.priority < 1 || o.priority > 5)) {
    problems.push("'priority' must be from 1 to 5 for ntfy");
  }
  return problems;
}
