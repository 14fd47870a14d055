import { randomBytes } from 'node:crypto';
import type { Format } from '../../src/options.js';
import { type ReceivedRequest, type Reply, type SinkServer, startSinkServer } from './sink-server.js';
import {
  validateDiscord,
  validateGeneric,
  validateGotify,
  validateNtfy,
  validateSlack,
  validateTeams,
  validateTelegram,
  verifySignature,
} from './validators.js';

export interface FakeService {
  format: Format;
  server: SinkServer;
  /** Options pointing the notifier at this server (secrets included, as the engine resolves them). */
  options: Record<string, unknown>;
  /** The secret planted in the URL or token. */
  canary: string;
  /** Problems found per request (empty when the real service would accept it). */
  problems: string[][];
  /** Requests the service accepted as valid messages. */
  accepted(): ReceivedRequest[];
  close(): Promise<void>;
}

export interface FakeServiceOptions {
  /** Failure injection: a reply for request `index` instead of the service's own answer. */
  inject?: (index: number) => Reply | undefined;
  /** The secret planted in the URL/token (default random). */
  canary?: string;
  /** generic: sign with this key. */
  signingSecret?: string;
  /** ntfy: require this access token. */
  ntfyToken?: string;
  lifetimeMs?: number;
}

const json = (status: number, body: unknown): Reply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Answers as each real service does: status codes and bodies from their documentation. */
function answer(format: Format, req: ReceivedRequest, problems: string[], canary: string, o: FakeServiceOptions): Reply {
  const bad = problems.length > 0;
  switch (format) {
    case 'slack':
      if (!req.path.endsWith(`/${canary}`)) return { status: 404, body: 'no_service' };
      return bad ? { status: 400, body: 'invalid_payload' } : { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
    case 'discord':
      if (!req.path.endsWith(`/${canary}`)) return json(401, { message: 'Invalid Webhook Token', code: 50027 });
      return bad ? json(400, { message: 'Invalid Form Body', code: 50035 }) : { status: 204 };
    case 'teams':
      if (!req.path.includes(`sig=${canary}`)) return json(401, { error: { code: 'DirectApiAuthorizationRequired' } });
      return bad ? json(400, { error: { code: 'InvalidRequestContent' } }) : { status: 202 };
    case 'telegram':
      if (!req.path.startsWith(`/bot123456:${canary}/`)) return json(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return bad
        ? json(400, { ok: false, error_code: 400, description: `Bad Request: ${problems[0]}` })
        : json(200, { ok: true, result: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: 42, type: 'private' } } });
    case 'ntfy':
      if (o.ntfyToken !== undefined && req.headers['authorization'] !== `Bearer ${o.ntfyToken}`)
        return json(403, { code: 40301, http: 403, error: 'forbidden' });
      return bad
        ? json(400, { code: 40000, http: 400, error: problems[0] })
        : json(200, { id: 'x1', time: Math.floor(Date.now() / 1000), event: 'message', topic: req.path.slice(1), message: req.text });
    case 'gotify':
      if (req.headers['x-gotify-key'] !== canary) {
        return json(401, {
          error: 'Unauthorized',
          errorCode: 401,
          errorDescription: 'you need to provide a valid access token or user credentials to access this api',
        });
      }
      return bad ? json(400, { error: 'Bad Request', errorCode: 400, errorDescription: problems[0] }) : json(200, { id: 1, appid: 1 });
    case 'generic':
      if (o.signingSecret !== undefined) {
        const v = verifySignature(req, o.signingSecret);
        if (!v.ok) return json(401, { error: v.reason });
      }
      return bad ? json(400, { error: problems[0] }) : { status: 204 };
  }
}

function validate(format: Format, req: ReceivedRequest, canary: string, o: FakeServiceOptions): string[] {
  switch (format) {
    case 'slack':
      return validateSlack(req);
    case 'discord':
      return validateDiscord(req);
    case 'teams':
      return validateTeams(req);
    case 'telegram':
      return validateTelegram(req, `123456:${canary}`);
    case 'ntfy':
      return validateNtfy(req, `unrot-${canary}`, o.ntfyToken);
    case 'gotify':
      return validateGotify(req, '/gotify');
    case 'generic':
      return validateGeneric(req);
  }
}

function optionsFor(format: Format, origin: string, canary: string, o: FakeServiceOptions): Record<string, unknown> {
  switch (format) {
    case 'slack':
      return { format, url: `${origin}/services/T0001/B0001/${canary}` };
    case 'discord':
      return { format, url: `${origin}/api/webhooks/1234567890/${canary}` };
    case 'teams':
      return { format, url: `${origin}/workflows/a1/triggers/manual/paths/invoke?api-version=1&sig=${canary}` };
    case 'telegram':
      return { format, bot_token: `123456:${canary}`, chat_id: 42, api_base: origin };
    case 'ntfy':
      return { format, url: `${origin}/unrot-${canary}`, ...(o.ntfyToken !== undefined && { token: o.ntfyToken }) };
    case 'gotify':
      return { format, url: `${origin}/gotify/`, token: canary };
    case 'generic':
      return { format, url: `${origin}/hooks/${canary}`, ...(o.signingSecret !== undefined && { secret: o.signingSecret }) };
  }
}

/** A local stand-in for one service: validates each request against its docs and answers like it. */
export async function startFakeService(format: Format, o: FakeServiceOptions = {}): Promise<FakeService> {
  const canary = o.canary ?? `canary${randomBytes(12).toString('hex')}`;
  const problems: string[][] = [];
  const server = await startSinkServer(
    (req, index) => {
      const found = validate(format, req, canary, o);
      problems.push(found);
      return o.inject?.(index) ?? answer(format, req, found, canary, o);
    },
    o.lifetimeMs === undefined ? {} : { lifetimeMs: o.lifetimeMs },
  );
  return {
    format,
    server,
    options: optionsFor(format, server.origin, canary, o),
    canary,
    problems,
    accepted: () => server.accepted(),
    close: () => server.close(),
  };
}
