import { bodyText, summaryLine, summaryOf } from '../message.js';
import { escapeWithin } from '../text.js';
import { type FormatBuilder, jsonRequest } from './types.js';

// Limits from https://discord.com/developers/docs/resources/message#embed-object-embed-limits:
// title 256, description 4096, field name 256 / value 1024, footer 2048, all of an embed 6000.
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4096;
const FIELD_VALUE_MAX = 1024;
export const EMBED_TOTAL_MAX = 6000;

/**
 * Discord markdown has no "plain text" switch, but a backslash before any punctuation shows that
 * character as it is. Escaped: emphasis, code, spoilers, strike-through, quotes, headers and list
 * marks, masked links ([text](url)), <@id>/<#id>/<t:…> tags, @everyone/@here and the `:` of
 * URLs and :emoji:, so text from a container can neither format nor link nor mention.
 */
export const escapeDiscord = (s: string) => s.replace(/[\\*_~`|>#\-[\]()<@:]/g, (c) => `\\${c}`);

export const DISCORD_COLOURS = { success: 0x2ecc71, degraded: 0xf1c40f, failure: 0xe74c3c } as const;

export const discord: FormatBuilder = (options, message) => {
  const fields = [
    { name: 'Severity', value: message.severity, inline: true },
    { name: 'Run', value: escapeWithin(message.runId, FIELD_VALUE_MAX, escapeDiscord), inline: true },
  ];
  const summary = summaryLine(summaryOf(message.report));
  if (summary) fields.push({ name: 'Summary', value: escapeWithin(summary, FIELD_VALUE_MAX, escapeDiscord), inline: false });
  const footer = { text: 'unrot' };
  const title = escapeWithin(message.title, TITLE_MAX, escapeDiscord);
  const used = title.length + footer.text.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  return jsonRequest('discord webhook', options.url as string, {
    username: 'unrot',
    // Text from a report must never ping @everyone, a role or a user, even if an escape were missed.
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title,
        description: escapeWithin(bodyText(message), Math.min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - used), escapeDiscord),
        color: DISCORD_COLOURS[message.severity],
        fields,
        footer,
        timestamp: new Date().toISOString(),
      },
    ],
  });
};
