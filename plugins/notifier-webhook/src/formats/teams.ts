import { bodyText, summaryLine, summaryOf } from '../message.js';
import { truncate, truncateBytes } from '../text.js';
import { type FormatBuilder, jsonRequest } from './types.js';

/** Teams refuses messages above about 28 KB; stay clear of it with the envelope included. */
export const TEAMS_MAX_BYTES = 27_000;

const COLOURS = { success: 'Good', degraded: 'Warning', failure: 'Attention' } as const;

/**
 * Text from a report goes into TextRuns of RichTextBlocks, never into a TextBlock: a TextBlock (and
 * a Fact) renders markdown, so a container could put links ([text](url)), emphasis or lists into
 * the card; a TextRun is shown as it is (https://adaptivecards.io/explorer/TextRun.html: "Markdown
 * is not supported"). One block per line, as a TextRun's line breaks are not rendered everywhere.
 */
function plainLines(text: string, style: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return text.split('\n').map((line, i) => ({
    type: 'RichTextBlock',
    ...(i > 0 ? { spacing: 'None' } : {}),
    // an empty TextRun is invalid; a no-break space keeps the blank line
    inlines: [{ type: 'TextRun', text: line.length > 0 ? line : '\u00a0', ...style }],
  }));
}

/** A Workflows "post to a channel when a webhook request is received" payload with one Adaptive Card. */
export const teams: FormatBuilder = (options, message) => {
  const summary = summaryLine(summaryOf(message.report));
  const card = (text: string) => ({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            ...plainLines(truncate(message.title.replace(/\n/g, ' '), 500), {
              size: 'Large',
              weight: 'Bolder',
              color: COLOURS[message.severity],
            }),
            ...plainLines(text),
            {
              type: 'FactSet',
              facts: [
                { title: 'Severity', value: message.severity },
                { title: 'Run', value: truncate(message.runId, 200) },
                ...(summary ? [{ title: 'Summary', value: summary }] : []),
              ],
            },
          ],
          msteams: { width: 'Full' },
        },
      },
    ],
  });
  const text = bodyText(message);
  const envelope = Buffer.byteLength(JSON.stringify(card('')));
  // JSON escaping can double a text's size; cut the text, then check the real payload.
  let fitted = truncateBytes(text, TEAMS_MAX_BYTES - envelope);
  while (Buffer.byteLength(JSON.stringify(card(fitted))) > TEAMS_MAX_BYTES) fitted = truncate(fitted, Math.floor(fitted.length * 0.8));
  return jsonRequest('teams workflow', options.url as string, card(fitted));
};
