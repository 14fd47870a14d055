// The validators must bite, or the format tests prove nothing: each gets payloads the real
// service documents as invalid.
import { describe, expect, it } from 'vitest';
import type { ReceivedRequest } from './helpers/sink-server.js';
import {
  parseTelegramHtml,
  validateDiscord,
  validateGotify,
  validateNtfy,
  validateSlack,
  validateTeams,
  validateTelegram,
} from './helpers/validators.js';

function req(body: unknown, extra: Partial<ReceivedRequest> = {}): ReceivedRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json' },
    text,
    bytes: Buffer.byteLength(text),
    at: 0,
    ...extra,
  };
}

describe('service validators reject what the services reject', () => {
  it('slack', () => {
    expect(validateSlack(req({ text: 'ok' }))).toEqual([]);
    expect(validateSlack(req({}))).toContain('neither text nor blocks');
    expect(validateSlack(req({ text: 'a < b' }))).toContain('text has unescaped & < or >');
    expect(validateSlack(req({ blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] })).join()).toMatch(
      /allowed 1..150/,
    );
    expect(validateSlack(req({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] })).join()).toMatch(
      /allowed 1..3000/,
    );
  });

  it('discord', () => {
    expect(validateDiscord(req({ content: 'hi' }))).toEqual([]);
    expect(validateDiscord(req({ content: 'x'.repeat(2001) })).join()).toMatch(/allowed 0..2000/);
    expect(
      validateDiscord(
        req({ embeds: [{ description: 'x'.repeat(4000), title: 'y'.repeat(256), footer: { text: 'z'.repeat(2000) } }] }),
      ).join(),
    ).toMatch(/more than 6000/);
    expect(validateDiscord(req({ embeds: [{ color: 0x1000000 }] })).join()).toMatch(/color/);
    expect(validateDiscord(req({ content: 'x', username: 'Discord bot' })).join()).toMatch(/may not contain/);
  });

  it('teams', () => {
    const card = (content: unknown) => ({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content }],
    });
    expect(validateTeams(req(card({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'x' }] })))).toEqual([]);
    expect(validateTeams(req({ '@type': 'MessageCard', text: 'retired connector format' })).join()).toMatch(/type must be "message"/);
    expect(validateTeams(req(card({ type: 'AdaptiveCard', version: '1.6', body: [] }))).join()).toMatch(/version/);
    expect(validateTeams(req(card({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock' }] }))).join()).toMatch(/needs text/);
    const big = card({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'x'.repeat(30_000) }] });
    expect(validateTeams(req(big)).join()).toMatch(/more than 28 KB/);
  });

  it('telegram', () => {
    const ok = { chat_id: 1, text: '<b>a</b> &amp; b', parse_mode: 'HTML' };
    expect(validateTelegram(req(ok, { path: '/bot1:t/sendMessage' }), '1:t')).toEqual([]);
    expect(validateTelegram(req({ ...ok, text: 'a < b' }, { path: '/bot1:t/sendMessage' }), '1:t').join()).toMatch(/unescaped </);
    expect(validateTelegram(req({ ...ok, text: '<div>x</div>' }, { path: '/bot1:t/sendMessage' }), '1:t').join()).toMatch(
      /unsupported tag/,
    );
    expect(validateTelegram(req({ ...ok, text: 'x'.repeat(4097) }, { path: '/bot1:t/sendMessage' }), '1:t').join()).toMatch(
      /4097 characters/,
    );
    expect(parseTelegramHtml('<b>x &lt;</b>')).toEqual({ text: 'x <' });
    expect(parseTelegramHtml('<b>x</i>')).toEqual({ error: 'unmatched </i>' });
  });

  it('ntfy', () => {
    const r = (text: string, headers: Record<string, string> = {}) => req(text, { path: '/alerts', headers });
    expect(validateNtfy(r('hi', { priority: '5', tags: 'warning,unrot' }), 'alerts')).toEqual([]);
    expect(validateNtfy(r('x'.repeat(4097)), 'alerts').join()).toMatch(/4097 bytes/);
    expect(validateNtfy(r('hi', { priority: '9' }), 'alerts').join()).toMatch(/priority/);
    expect(validateNtfy(r('hi'), 'alerts', 'tk_x').join()).toMatch(/Bearer/);
  });

  it('gotify', () => {
    expect(validateGotify(req({ message: 'm', priority: 5 }, { path: '/message' }))).toEqual([]);
    expect(validateGotify(req({ title: 't' }, { path: '/message' })).join()).toMatch(/message is required/);
    expect(validateGotify(req({ message: 'm', priority: '5' }, { path: '/message' })).join()).toMatch(/priority/);
  });
});
