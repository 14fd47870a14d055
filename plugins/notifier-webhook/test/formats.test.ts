import { describe, expect, it } from 'vitest';
import { FORMATS, type Format } from '../src/options.js';
import { type FakeService, startFakeService } from './helpers/fake-services.js';
import { message, send } from './helpers/send.js';
import { decodeHeader, parseTelegramHtml } from './helpers/validators.js';

const HUGE = `${'line with <tags> & "quotes" and emoji 🚀 '.repeat(3000)}END`;

async function withService<T>(format: Format, fn: (s: FakeService) => Promise<T>): Promise<T> {
  const service = await startFakeService(format);
  try {
    return await fn(service);
  } finally {
    await service.close();
  }
}

const body = (s: FakeService) => JSON.parse(s.accepted()[0]?.text ?? 'null');

describe.each(FORMATS)('format %s', (format) => {
  it('sends one request the service accepts, with the documented shape', async () => {
    await withService(format, async (s) => {
      const out = await send(s.options);
      expect(out.error).toBeUndefined();
      expect(s.problems).toEqual([[]]);
      expect(s.accepted()).toHaveLength(1);
      expect(s.accepted()[0]?.headers['user-agent']).toMatch(/^unrot-notifier-webhook\//);
    });
  });

  it('truncates a huge message to the service limits and still gets it accepted', async () => {
    await withService(format, async (s) => {
      const out = await send(s.options, message({ title: `T${'x'.repeat(5000)}`, text: HUGE, severity: 'failure' }));
      expect(out.error).toBeUndefined();
      expect(s.problems).toEqual([[]]);
      expect(s.accepted()).toHaveLength(1);
    });
  });

  it('sends a message with empty text (the title stands in for it)', async () => {
    await withService(format, async (s) => {
      const out = await send(s.options, message({ text: '', severity: 'success' }));
      expect(out.error).toBeUndefined();
      expect(s.problems).toEqual([[]]);
    });
  });
});

describe('what each service shows', () => {
  it('slack: fallback text, header, escaped mrkdwn section, run id in the context', async () => {
    await withService('slack', async (s) => {
      await send(s.options, message({ title: 'a <b> & c', text: 'x < y & <!channel>' }));
      const b = body(s);
      expect(b.text).toContain('a &lt;b&gt; &amp; c');
      expect(b.blocks[0].text.text).toContain('a <b> & c');
      expect(b.blocks[1].text.text).toBe('x &lt; y &amp; &lt;!channel&gt;');
      expect(b.blocks[2].elements[0].text).toContain('20261126T021500Z-3fa9c2');
      expect(b.blocks[2].elements[0].text).toContain('2 updated');
    });
  });

  it('discord: one embed coloured by severity, no mentions allowed', async () => {
    const colours: Record<string, number> = { success: 0x2ecc71, degraded: 0xf1c40f, failure: 0xe74c3c };
    for (const severity of ['success', 'degraded', 'failure'] as const) {
      await withService('discord', async (s) => {
        await send(s.options, message({ severity, text: '@everyone look' }));
        const b = body(s);
        expect(b.embeds[0].color).toBe(colours[severity]);
        expect(b.embeds[0].description).toBe('\\@everyone look');
        expect(b.allowed_mentions).toEqual({ parse: [] });
      });
    }
  });

  it('discord: a huge message fills the embed up to its 6000-character total', async () => {
    await withService('discord', async (s) => {
      await send(s.options, message({ text: HUGE }));
      const e = body(s).embeds[0];
      expect(e.description.length).toBe(4096);
      expect(e.description.endsWith('…')).toBe(true);
    });
  });

  it('teams: an Adaptive Card 1.4 with the title coloured by severity, the text as plain TextRuns and a fact set', async () => {
    await withService('teams', async (s) => {
      await send(s.options, message({ severity: 'failure' }));
      const card = body(s).attachments[0].content;
      expect(card.version).toBe('1.4');
      expect(card.body[0]).toMatchObject({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', color: 'Attention', weight: 'Bolder' }] });
      const facts = card.body.find((el: { type: string }) => el.type === 'FactSet').facts;
      expect(facts).toContainEqual({ title: 'Run', value: '20261126T021500Z-3fa9c2' });
    });
  });

  it('teams: a huge message stays under 28 KB', async () => {
    await withService('teams', async (s) => {
      await send(s.options, message({ text: '"\\'.repeat(40_000) }));
      expect(s.accepted()[0]?.bytes).toBeLessThanOrEqual(27_000);
    });
  });

  it('telegram: HTML with the title bold and the text escaped, within 4096 characters', async () => {
    await withService('telegram', async (s) => {
      await send(s.options, message({ title: 'a <b>', text: '1 < 2 & 3 > 2' }));
      const b = body(s);
      expect(b.chat_id).toBe(42);
      expect(b.text).toContain('<b>a &lt;b&gt;</b>');
      const parsed = parseTelegramHtml(b.text);
      expect(parsed).toEqual({ text: expect.stringContaining('1 < 2 & 3 > 2') });
    });
    await withService('telegram', async (s) => {
      await send(s.options, message({ text: '&'.repeat(10_000) }));
      const b = body(s);
      expect(b.text.length).toBeLessThanOrEqual(4096);
      expect(b.text).toMatch(/(&amp;)+…\n\n<i>run /);
    });
  });

  it('ntfy: body text, Title (RFC 2047 when not ASCII), Priority and Tags by severity, Bearer token', async () => {
    const service = await startFakeService('ntfy', { ntfyToken: 'tk_ntfyaccess0000000000000000' });
    try {
      await send(service.options, message({ title: 'Größe ✓', severity: 'failure' }));
      const req = service.accepted()[0];
      expect(req?.text).toBe(message().text);
      expect(decodeHeader(String(req?.headers['title']))).toBe('Größe ✓');
      expect(req?.headers['priority']).toBe('5');
      expect(req?.headers['tags']).toBe('rotating_light,unrot');
    } finally {
      await service.close();
    }
  });

  it('ntfy: a fixed priority option wins; a body above 4096 bytes is cut at a character', async () => {
    await withService('ntfy', async (s) => {
      await send({ ...s.options, priority: 2 }, message({ text: 'é'.repeat(5000) }));
      const req = s.accepted()[0];
      expect(req?.headers['priority']).toBe('2');
      expect(req?.bytes).toBeLessThanOrEqual(4096);
      expect(req?.text.endsWith('é…')).toBe(true);
    });
  });

  it('gotify: POST <server>/message with X-Gotify-Key and a priority by severity', async () => {
    await withService('gotify', async (s) => {
      await send(s.options, message({ severity: 'failure' }));
      const req = s.accepted()[0];
      expect(req?.path).toBe('/gotify/message');
      expect(JSON.parse(req?.text ?? '{}')).toMatchObject({ title: message().title, priority: 8 });
    });
  });

  it('generic: the message, run id and report summary as JSON', async () => {
    await withService('generic', async (s) => {
      await send(s.options, message());
      expect(body(s)).toEqual({
        schema: 'unrot.notification/v1',
        severity: 'degraded',
        title: message().title,
        text: message().text,
        runId: '20261126T021500Z-3fa9c2',
        summary: { containers: 3, updated: 2, nothingToDo: 0, planned: 0, skipped: 1, failed: 0, packagesChanged: 3 },
      });
    });
  });

  it('a service that rejects the payload is reported with its answer, not retried', async () => {
    await withService('telegram', async (s) => {
      const out = await send({ ...s.options, bot_token: '123456:wrongtoken' });
      expect(out.error?.code).toBe('E_NOTIFY_FAILED');
      expect(out.error?.message).toBe('telegram Bot API answered 401: {"ok":false,"error_code":401,"description":"Unauthorized"}');
      expect(s.server.requests).toHaveLength(1);
    });
  });
});
