import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { defineNotifier, type Notifier } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { NotificationsPolicySchema, prepareSinks } from '../../src/notify/index.js';
import { loadSecrets } from '../../src/secrets/index.js';
import { configError, secretsFile, tempDir } from '../secrets/helpers.js';

const mail = defineNotifier({
  id: 'email',
  sdk: 1,
  description: 'test email',
  optionsSchema: Type.Object(
    {
      host: Type.String(),
      port: Type.Optional(Type.Integer({ default: 587 })),
      auth: Type.Optional(Type.Object({ user: Type.String(), password: Type.String({ 'x-secret': true }) })),
    },
    { additionalProperties: false },
  ),
  checkOptions: (o) => (o.host === 'localhost' && o.auth ? ['auth is pointless to localhost'] : []),
  maxDurationMs: () => 12_000,
  async send() {},
}) as unknown as Notifier;

const notifiers = new Map([['email', mail]]);
const FILE = '/etc/unrot/global.yml';

async function store() {
  const dir = await tempDir();
  return loadSecrets([await secretsFile(dir, 's.env', 'SMTP_PASSWORD=hunter22-long\n')]);
}

describe('notifications policy schema', () => {
  it('accepts sinks with min_severity, throttle, options and secrets_files', () => {
    const policy = {
      secrets_files: ['/etc/unrot/secrets.env'],
      notifications: [
        {
          notifier: 'email',
          min_severity: 'degraded',
          throttle: { max: 3, window_s: 3600 },
          options: { host: 'smtp', auth: { user: 'u', password: { secret: 'SMTP_PASSWORD' } } },
        },
        { notifier: 'webhook', name: 'chat', timeout_s: 10 },
      ],
    };
    expect([...Value.Errors(NotificationsPolicySchema, policy)]).toEqual([]);
  });

  it('refuses unknown severities, bad throttles, relative secrets files and unknown keys', () => {
    const bad = [
      { notifications: [{ notifier: 'email', min_severity: 'warning' }] },
      { notifications: [{ notifier: 'email', throttle: { max: 0, window_s: 60 } }] },
      { notifications: [{ notifier: 'email', throttle: { max: 1 } }] },
      { notifications: [{ notifier: 'email', extra: true }] },
      { secrets_files: ['secrets.env'] },
    ];
    for (const b of bad) expect(Value.Check(NotificationsPolicySchema, b), JSON.stringify(b)).toBe(false);
  });
});

describe('preparing sinks', () => {
  it('resolves secrets, applies defaults, and takes the deadline from timeout_s or the notifier', async () => {
    const sinks = prepareSinks(
      [
        { notifier: 'email', options: { host: 'smtp', auth: { user: 'u', password: { secret: 'SMTP_PASSWORD' } } } },
        {
          notifier: 'email',
          name: 'pager',
          min_severity: 'failure',
          throttle: { max: 1, window_s: 600 },
          timeout_s: 5,
          options: { host: 'smtp2' },
        },
      ],
      notifiers,
      await store(),
      FILE,
    );
    expect(sinks.map((s) => [s.name, s.minSeverity, s.timeoutMs, s.throttle])).toEqual([
      ['email-1', 'degraded', 12_000, undefined],
      ['pager', 'failure', 5_000, { max: 1, window_s: 600 }],
    ]);
    expect(sinks[0]?.options).toEqual({ host: 'smtp', port: 587, auth: { user: 'u', password: 'hunter22-long' } });
  });

  it('collects every problem with file and key path, never a secret value', async () => {
    const e = await configError(async () =>
      prepareSinks(
        [
          { notifier: 'pager-duty' },
          { notifier: 'email', options: { host: 'smtp', auth: { user: 'u', password: 'hunter22-long' } } },
          { notifier: 'email', options: { host: 'smtp', auth: { user: 'u', password: { secret: 'NOPE' } } } },
          { notifier: 'email', options: { host: 5 } },
          {
            notifier: 'email',
            name: 'email-2',
            options: { host: 'localhost', auth: { user: 'u', password: { secret: 'SMTP_PASSWORD' } } },
          },
        ],
        notifiers,
        await store(),
        FILE,
      ),
    );
    expect(e.code).toBe('E_CONFIG');
    expect(e.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "notifications[0].notifier: notifier 'pager-duty' is not installed",
      'notifications[1].options.auth.password: holds a secret written inline; put it in a secrets file and write { secret: NAME } here',
      "notifications[2].options.auth.password: unknown secret 'NOPE'",
      'notifications[3].options.host: Expected string',
      "notifications[4].name: sink name 'email-2' is already used by notifications[1]",
      'notifications[4].options: auth is pointless to localhost',
    ]);
    expect(e.message).toContain(FILE);
    expect(e.message).not.toContain('hunter22-long');
  });
});
