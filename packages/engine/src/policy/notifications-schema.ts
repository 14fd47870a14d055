import { type Static, Type } from '@sinclair/typebox';

/** Notifications (global.yml `notifications:`, `secrets_files:`) and report outputs; used by the engine's notify module. */

export const SEVERITIES = ['success', 'degraded', 'failure'] as const;
export type NotifySeverity = (typeof SEVERITIES)[number];

export const SeveritySchema = Type.Union(
  SEVERITIES.map((s) => Type.Literal(s)),
  { description: 'success < degraded < failure' },
);

export const ThrottleSchema = Type.Object(
  {
    max: Type.Integer({ minimum: 1, description: 'at most this many messages per window to this sink' }),
    window_s: Type.Integer({ minimum: 1, maximum: 30 * 86_400, description: 'window length in seconds (sliding)' }),
  },
  { additionalProperties: false, description: 'messages beyond max are held back and folded into a digest sent with the next allowed one' },
);
export type Throttle = Static<typeof ThrottleSchema>;

export const DEFAULT_MIN_SEVERITY: NotifySeverity = 'degraded';
export const DEFAULT_NOTIFY_TIMEOUT_S = 30;

export const NotificationSinkSchema = Type.Object(
  {
    notifier: Type.String({
      pattern: '^[a-z][a-z0-9-]*$',
      maxLength: 64,
      description: "id of an installed notifier plugin: 'email', 'webhook', …",
    }),
    name: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        maxLength: 64,
        description: 'names this sink in reports and throttle state; default <notifier>-<position, from 1>',
      }),
    ),
    min_severity: Type.Optional(SeveritySchema),
    throttle: Type.Optional(ThrottleSchema),
    timeout_s: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 300, description: `delivery deadline; default ${DEFAULT_NOTIFY_TIMEOUT_S}` }),
    ),
    options: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), {
        maxProperties: 64,
        description: "the notifier's own options, checked against its schema; secrets as { secret: NAME }",
      }),
    ),
  },
  { additionalProperties: false },
);
export type NotificationSink = Static<typeof NotificationSinkSchema>;

export const NotificationsListSchema = Type.Array(NotificationSinkSchema, { maxItems: 32, description: 'where run results are sent' });

export const SecretsFilesSchema = Type.Array(Type.String({ pattern: '^/', maxLength: 4096 }), {
  maxItems: 32,
  description: 'absolute paths of env files (KEY=value) holding secrets; mode 0600, owned by root or the unrot user',
});

/** The keys global.yml gains for notifications. */
export const NotificationsPolicySchema = Type.Object({
  notifications: Type.Optional(NotificationsListSchema),
  secrets_files: Type.Optional(SecretsFilesSchema),
});
export type NotificationsPolicy = Static<typeof NotificationsPolicySchema>;

/** global.yml `prometheus_textfile`: where each real run writes its metrics for node_exporter's textfile collector. */
export const PrometheusTextfileSchema = Type.String({
  pattern: '^/.*\\.prom$',
  maxLength: 4096,
  description:
    'absolute path of a .prom file for the node_exporter textfile collector, rewritten atomically after every `unrot run` (default: none)',
});
