import { bodyText, SEVERITY_EMOJI, summaryLine, summaryOf } from '../message.js';
import { escapeWithin, truncate } from '../text.js';
import { type FormatBuilder, jsonRequest } from './types.js';

// Limits from https://docs.slack.dev/reference/block-kit/blocks: header text 150, section text 3000,
// context element text 2000; the top-level `text` is the notification fallback (40,000 hard, 4,000 advised).
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const CONTEXT_MAX = 2000;
const FALLBACK_MAX = 4000;

/**
 * mrkdwn needs only &, < and > escaped (https://docs.slack.dev/messaging/formatting-message-text):
 * then no `<!channel>`, `<@U…>` or `<url|label>` can come from report text. Emphasis marks
 * (* _ ~ `) have no escape in mrkdwn; they can only style text, never link or ping.
 */
export const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const slack: FormatBuilder = (options, message) => {
  const summary = summaryLine(summaryOf(message.report));
  const context = [`*${message.severity}*`, `run \`${escapeSlack(message.runId)}\``, summary && escapeSlack(summary)]
    .filter(Boolean)
    .join(' · ');
  return jsonRequest('slack webhook', options.url as string, {
    text: escapeWithin(`${message.title}: ${bodyText(message)}`, FALLBACK_MAX, escapeSlack),
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: truncate(`${SEVERITY_EMOJI[message.severity]} ${message.title}`, HEADER_MAX), emoji: true },
      },
      // verbatim: Slack must not turn bare URLs, #channel names or @mentions in report text into links or pings.
      { type: 'section', text: { type: 'mrkdwn', text: escapeWithin(bodyText(message), SECTION_MAX, escapeSlack), verbatim: true } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeWithin(context, CONTEXT_MAX, (s) => s), verbatim: true }] },
    ],
  });
};
