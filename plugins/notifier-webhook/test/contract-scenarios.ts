// Contract scenarios for the notifier kit: each starts a real local stand-in of a service on
// 127.0.0.1 that validates payloads as the service documents them and answers like it.
// Exported for the repository's plugin loop (test/plugins.test.ts) as well as contract.test.ts.
import type { NotifierScenario } from '@unrot/sdk/testing';
import type { Format } from '../src/options.js';
import { type FakeServiceOptions, startFakeService } from './helpers/fake-services.js';

const FAST = { timeout_ms: 300, retries: 1, backoff_ms: 50, retry_after_max_ms: 200 };

function scenario(
  name: string,
  format: Format,
  expectation: NotifierScenario['expect'],
  service: FakeServiceOptions = {},
  override: Record<string, unknown> = {},
): NotifierScenario {
  return {
    name,
    async setup() {
      const s = await startFakeService(format, { lifetimeMs: 30_000, ...service });
      return {
        options: { ...s.options, ...FAST, ...override },
        deliveries: () => s.accepted().length,
        teardown: () => s.close(),
      };
    },
    expect: expectation,
  };
}

export const scenarios: NotifierScenario[] = [
  scenario('generic JSON, signed', 'generic', { delivered: true }, { signingSecret: 'whsec_contract_0001' }),
  scenario('slack incoming webhook', 'slack', { delivered: true }),
  scenario('discord webhook', 'discord', { delivered: true }),
  scenario('teams workflow (adaptive card)', 'teams', { delivered: true }),
  scenario('telegram sendMessage', 'telegram', { delivered: true }),
  scenario('ntfy topic with an access token', 'ntfy', { delivered: true }, { ntfyToken: 'tk_contract000000000000000' }),
  scenario('gotify server', 'gotify', { delivered: true }),
  scenario(
    'slack answering 500 every time',
    'slack',
    { delivered: false, errorCode: 'E_NOTIFY_FAILED' },
    { inject: () => ({ status: 500 }) },
  ),
  scenario('discord never answering', 'discord', { delivered: false, errorCode: 'E_NOTIFY_TIMEOUT' }, { inject: () => 'hang' }),
  scenario(
    'telegram with a revoked bot token (401)',
    'telegram',
    { delivered: false, errorCode: 'E_NOTIFY_FAILED' },
    {},
    { bot_token: '123456:revokedTOKEN_abcdef' },
  ),
  scenario(
    'gotify rate limiting beyond retry_after_max_ms',
    'gotify',
    { delivered: false, errorCode: 'E_NOTIFY_FAILED' },
    { inject: () => ({ status: 429, headers: { 'retry-after': '30' } }) },
  ),
  scenario(
    'generic receiver dropping connections',
    'generic',
    { delivered: false, errorCode: 'E_NOTIFY_FAILED' },
    { inject: () => 'reset' },
  ),
];
