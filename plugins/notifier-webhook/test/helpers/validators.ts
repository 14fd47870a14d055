// Payload validators written from each service's public documentation (links per function).
// Each returns the problems it finds; an empty list means the real service would accept it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceivedRequest } from './sink-server.js';

type Json = Record<string, unknown>;

function jsonBody(req: ReceivedRequest, problems: string[]): Json | undefined {
  if (req.method !== 'POST') problems.push(`method ${req.method}, expected POST`);
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) problems.push('content-type is not application/json');
  try {
    const parsed: unknown = JSON.parse(req.text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push('body is not a JSON object');
      return undefined;
    }
    return parsed as Json;
  } catch {
    problems.push('body is not JSON');
    return undefined;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';

function str(problems: string[], where: string, v: unknown, min: number, max: number): void {
  if (!isString(v)) problems.push(`${where} is not a string`);
  else if (v.length < min || v.length > max) problems.push(`${where} has ${v.length} characters, allowed ${min}..${max}`);
}

/**
 * Slack incoming webhook (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks,
 * https://docs.slack.dev/reference/block-kit/blocks): `text` and/or `blocks` (≤ 50); header text
 * plain_text ≤ 150; section text 1..3000; context elements ≤ 10, text ≤ 2000; mrkdwn escapes & < >.
 */
export function validateSlack(req: ReceivedRequest): string[] {
  const p: string[] = [];
  const body = jsonBody(req, p);
  if (!body) return p;
  if (body['text'] === undefined && body['blocks'] === undefined) p.push('neither text nor blocks');
  if (body['text'] !== undefined) str(p, 'text', body['text'], 1, 4000);
  const mrkdwn = (where: string, t: unknown) => {
    // Unescaped < > start control sequences (<!channel>, links); & must start an entity.
    if (isString(t) && (/[<>]/.test(t) || /&(?!amp;|lt;|gt;)/.test(t))) p.push(`${where} has unescaped & < or >`);
  };
  mrkdwn('text', body['text']);
  const blocks = body['blocks'];
  if (blocks !== undefined) {
    if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 50) p.push('blocks must be an array of 1..50');
    else
      blocks.forEach((b: Json, i) => {
        const textObj = b['text'] as Json | undefined;
        switch (b['type']) {
          case 'header':
            if (textObj?.['type'] !== 'plain_text') p.push(`blocks[${i}] header text must be plain_text`);
            str(p, `blocks[${i}].text.text`, textObj?.['text'], 1, 150);
            break;
          case 'section':
            if (textObj?.['type'] !== 'mrkdwn' && textObj?.['type'] !== 'plain_text') p.push(`blocks[${i}] section text type`);
            str(p, `blocks[${i}].text.text`, textObj?.['text'], 1, 3000);
            if (textObj?.['type'] === 'mrkdwn') mrkdwn(`blocks[${i}].text.text`, textObj['text']);
            break;
          case 'context': {
            const els = b['elements'];
            if (!Array.isArray(els) || els.length === 0 || els.length > 10) p.push(`blocks[${i}] context needs 1..10 elements`);
            else
              els.forEach((e: Json, j) => {
                if (e['type'] !== 'mrkdwn' && e['type'] !== 'plain_text' && e['type'] !== 'image')
                  p.push(`blocks[${i}].elements[${j}] type`);
                if (e['type'] !== 'image') str(p, `blocks[${i}].elements[${j}].text`, e['text'], 1, 2000);
              });
            break;
          }
          case 'divider':
            break;
          default:
            p.push(`blocks[${i}] has unknown type ${String(b['type'])}`);
        }
      });
  }
  return p;
}

/**
 * Discord execute webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook,
 * embed limits in https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
 * one of content/embeds; content ≤ 2000; ≤ 10 embeds; title ≤ 256, description ≤ 4096, ≤ 25 fields
 * (name ≤ 256, value ≤ 1024), footer ≤ 2048; all embeds ≤ 6000; username ≤ 80 without "discord".
 */
export function validateDiscord(req: ReceivedRequest): string[] {
  const p: string[] = [];
  const body = jsonBody(req, p);
  if (!body) return p;
  if (body['content'] === undefined && body['embeds'] === undefined) p.push('neither content nor embeds');
  if (body['content'] !== undefined) str(p, 'content', body['content'], 0, 2000);
  if (body['username'] !== undefined) {
    str(p, 'username', body['username'], 1, 80);
    if (/discord|clyde/i.test(String(body['username']))) p.push('username may not contain discord or clyde');
  }
  const am = body['allowed_mentions'] as Json | undefined;
  if (am !== undefined && (!Array.isArray(am['parse']) || am['parse'].some((x) => !['roles', 'users', 'everyone'].includes(String(x))))) {
    p.push('allowed_mentions.parse must list roles/users/everyone');
  }
  const embeds = body['embeds'];
  if (embeds !== undefined) {
    if (!Array.isArray(embeds) || embeds.length > 10) p.push('embeds must be an array of at most 10');
    else {
      let total = 0;
      embeds.forEach((e: Json, i) => {
        const count = (where: string, v: unknown, max: number, min = 0) => {
          if (v === undefined) return;
          str(p, `embeds[${i}].${where}`, v, min, max);
          total += isString(v) ? v.length : 0;
        };
        count('title', e['title'], 256);
        count('description', e['description'], 4096);
        count('footer.text', (e['footer'] as Json | undefined)?.['text'], 2048);
        count('author.name', (e['author'] as Json | undefined)?.['name'], 256);
        const color = e['color'];
        if (color !== undefined && (!Number.isInteger(color) || (color as number) < 0 || (color as number) > 0xffffff)) {
          p.push(`embeds[${i}].color is not an integer 0..0xffffff`);
        }
        if (e['timestamp'] !== undefined && Number.isNaN(Date.parse(String(e['timestamp']))))
          p.push(`embeds[${i}].timestamp is not ISO8601`);
        const fields = e['fields'];
        if (fields !== undefined) {
          if (!Array.isArray(fields) || fields.length > 25) p.push(`embeds[${i}].fields must be at most 25`);
          else
            fields.forEach((f: Json, j) => {
              count(`fields[${j}].name`, f['name'], 256, 1);
              count(`fields[${j}].value`, f['value'], 1024, 1);
              if (f['inline'] !== undefined && typeof f['inline'] !== 'boolean') p.push(`embeds[${i}].fields[${j}].inline`);
            });
        }
      });
      if (total > 6000) p.push(`embeds hold ${total} characters, more than 6000`);
    }
  }
  return p;
}

const ADAPTIVE_ELEMENTS = new Set(['TextBlock', 'FactSet', 'Container', 'ColumnSet', 'Image', 'RichTextBlock', 'ActionSet']);

/**
 * Teams Workflows webhook (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using,
 * Adaptive Cards schema https://adaptivecards.io/explorer/): `{type: "message", attachments: [{contentType:
 * "application/vnd.microsoft.card.adaptive", content: AdaptiveCard}]}`, card version ≤ 1.5 for Teams,
 * TextBlock needs text, RichTextBlock TextRuns with text, FactSet facts {title, value}; messages ≤ 28 KB.
 */
export function validateTeams(req: ReceivedRequest): string[] {
  const p: string[] = [];
  const body = jsonBody(req, p);
  if (!body) return p;
  if (req.bytes > 28 * 1024) p.push(`payload is ${req.bytes} bytes, more than 28 KB`);
  if (body['type'] !== 'message') p.push('type must be "message"');
  const atts = body['attachments'];
  if (!Array.isArray(atts) || atts.length === 0) return [...p, 'attachments must be a non-empty array'];
  atts.forEach((a: Json, i) => {
    if (a['contentType'] !== 'application/vnd.microsoft.card.adaptive') p.push(`attachments[${i}].contentType`);
    const card = a['content'] as Json | undefined;
    if (card?.['type'] !== 'AdaptiveCard') p.push(`attachments[${i}].content.type must be AdaptiveCard`);
    if (!isString(card?.['version']) || !/^1\.[0-5]$/.test(card['version'])) p.push(`attachments[${i}] card version must be 1.0..1.5`);
    const els = card?.['body'];
    if (!Array.isArray(els)) p.push(`attachments[${i}].content.body must be an array`);
    else
      els.forEach((el: Json, j) => {
        if (!ADAPTIVE_ELEMENTS.has(String(el['type']))) p.push(`body[${j}] unknown element ${String(el['type'])}`);
        if (el['type'] === 'TextBlock' && !isString(el['text'])) p.push(`body[${j}] TextBlock needs text`);
        if (el['type'] === 'RichTextBlock') {
          const inlines = el['inlines'];
          if (
            !Array.isArray(inlines) ||
            inlines.length === 0 ||
            inlines.some((r: Json) => r['type'] !== 'TextRun' || !isString(r['text']) || r['text'].length === 0)
          )
            p.push(`body[${j}] RichTextBlock needs inlines of TextRuns with text`);
        }
        if (
          el['color'] !== undefined &&
          !['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'].includes(String(el['color']))
        ) {
          p.push(`body[${j}] color`);
        }
        if (el['type'] === 'FactSet') {
          const facts = el['facts'];
          if (!Array.isArray(facts) || facts.some((f: Json) => !isString(f['title']) || !isString(f['value']))) p.push(`body[${j}] facts`);
        }
      });
  });
  return p;
}

const TELEGRAM_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);

/** Telegram's HTML parse mode, as its parser reads it: returns the visible text, or a parse error. */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const stack: string[] = [];
  let text = '';
  const re = /<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"]*")*)\s*>|&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);|([<>&])|([^<>&]+)/giy;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m[2] !== undefined) {
      const tag = m[2].toLowerCase();
      if (!TELEGRAM_TAGS.has(tag)) return { error: `unsupported tag <${tag}>` };
      if (m[1]) {
        if (stack.pop() !== tag) return { error: `unmatched </${tag}>` };
      } else stack.push(tag);
    } else if (m[4] !== undefined) {
      text += m[4] === 'lt' ? '<' : m[4] === 'gt' ? '>' : m[4] === 'amp' ? '&' : m[4] === 'quot' ? '"' : '?';
    } else if (m[5] !== undefined) return { error: `unescaped ${m[5]}` };
    else text += m[6];
  }
  if (stack.length > 0) return { error: `unclosed <${stack.at(-1)}>` };
  return { text };
}

/**
 * Telegram Bot API sendMessage (https://core.telegram.org/bots/api#sendmessage): POST
 * /bot<token>/sendMessage, chat_id integer or string, text 1..4096 characters after entities
 * parsing, parse_mode HTML with only the supported tags and &lt; &gt; &amp; &quot; entities.
 */
export function validateTelegram(req: ReceivedRequest, token: string): string[] {
  const p: string[] = [];
  if (req.path !== `/bot${token}/sendMessage`) p.push('path is not /bot<token>/sendMessage');
  const body = jsonBody(req, p);
  if (!body) return p;
  const chat = body['chat_id'];
  if (!Number.isInteger(chat) && !(isString(chat) && chat.length > 0)) p.push('chat_id must be an integer or a string');
  if (body['parse_mode'] !== 'HTML') p.push('parse_mode must be HTML');
  if (!isString(body['text'])) return [...p, 'text is not a string'];
  const parsed = parseTelegramHtml(body['text']);
  if ('error' in parsed) p.push(`can't parse entities: ${parsed.error}`);
  else if (parsed.text.trim().length === 0 || parsed.text.length > 4096)
    p.push(`text has ${parsed.text.length} characters after parsing, allowed 1..4096`);
  return p;
}

/** RFC 2047 "=?UTF-8?B?…?=" as ntfy decodes it; plain ASCII otherwise. */
export function decodeHeader(v: string): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/i.exec(v);
  return m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : v;
}

/**
 * ntfy publish (https://docs.ntfy.sh/publish/): POST/PUT to /<topic> (topic [-_A-Za-z0-9]{1,64}),
 * body is the message (≤ 4096 bytes, else it becomes an attachment), headers Title, Priority
 * (1..5 or min/low/default/high/max), Tags (comma-separated), Authorization: Bearer <token>.
 */
export function validateNtfy(req: ReceivedRequest, topic: string, token?: string): string[] {
  const p: string[] = [];
  if (req.method !== 'POST' && req.method !== 'PUT') p.push(`method ${req.method}`);
  if (!/^[-_A-Za-z0-9]{1,64}$/.test(topic) || req.path !== `/${topic}`) p.push('path is not /<topic>');
  if (req.bytes === 0 || req.bytes > 4096) p.push(`body is ${req.bytes} bytes, allowed 1..4096`);
  const priority = String(req.headers['priority'] ?? '3');
  if (!/^[1-5]$|^(min|low|default|high|max|urgent)$/.test(priority)) p.push(`priority ${priority}`);
  const tags = req.headers['tags'];
  if (tags !== undefined && !/^[A-Za-z0-9_+-]+(,[A-Za-z0-9_+-]+)*$/.test(String(tags))) p.push('tags must be a comma-separated list');
  if (token !== undefined && req.headers['authorization'] !== `Bearer ${token}`) p.push('authorization is not Bearer <token>');
  return p;
}

/**
 * Gotify create message (https://gotify.net/api-docs#/message/createMessage): POST /message with
 * the application token in X-Gotify-Key; JSON message (string, required), title (string),
 * priority (integer), extras (object).
 */
export function validateGotify(req: ReceivedRequest, basePath = ''): string[] {
  const p: string[] = [];
  if (req.path !== `${basePath}/message`) p.push(`path ${req.path} is not ${basePath}/message`);
  const body = jsonBody(req, p);
  if (!body) return p;
  if (!isString(body['message']) || body['message'].length === 0) p.push('message is required');
  if (body['title'] !== undefined && !isString(body['title'])) p.push('title is not a string');
  if (body['priority'] !== undefined && !Number.isInteger(body['priority'])) p.push('priority is not an integer');
  if (body['extras'] !== undefined && (typeof body['extras'] !== 'object' || body['extras'] === null)) p.push('extras is not an object');
  return p;
}

/** The generic format (docs/notifications.md): schema, severity, title, text, runId, summary. */
export function validateGeneric(req: ReceivedRequest): string[] {
  const p: string[] = [];
  const body = jsonBody(req, p);
  if (!body) return p;
  if (body['schema'] !== 'unrot.notification/v1') p.push('schema');
  if (!['success', 'degraded', 'failure'].includes(String(body['severity']))) p.push('severity');
  for (const k of ['title', 'text', 'runId']) if (!isString(body[k])) p.push(`${k} is not a string`);
  const s = body['summary'];
  if (s !== null && (typeof s !== 'object' || Object.values(s as Json).some((v) => typeof v !== 'number'))) p.push('summary');
  if (!isString(req.headers['x-unrot-delivery'])) p.push('x-unrot-delivery header');
  return p;
}

/**
 * What a receiver does with a signed generic webhook (the recipe in docs/notifications.md):
 * recompute HMAC-SHA256 over "<timestamp>.<raw body>", compare in constant time, and refuse
 * timestamps more than `toleranceS` away from its own clock.
 */
export function verifySignature(
  req: Pick<ReceivedRequest, 'headers' | 'text'>,
  secret: string,
  { toleranceS = 300, now = Date.now() } = {},
): { ok: true } | { ok: false; reason: string } {
  const timestamp = req.headers['x-unrot-timestamp'];
  const sig = req.headers['x-unrot-signature'];
  if (typeof timestamp !== 'string' || typeof sig !== 'string') return { ok: false, reason: 'missing headers' };
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > toleranceS) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.text}`).digest('hex')}`);
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
