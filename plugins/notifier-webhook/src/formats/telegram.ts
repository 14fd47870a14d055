import { bodyText, SEVERITY_EMOJI, summaryLine, summaryOf } from '../message.js';
import { escapeWithin, truncate } from '../text.js';
import { type FormatBuilder, jsonRequest } from './types.js';

/** sendMessage: 1-4096 characters of text (https://core.telegram.org/bots/api#sendmessage). */
export const TELEGRAM_MAX = 4096;
export const TELEGRAM_API = 'https://api.telegram.org';

/** HTML parse mode: <, > and & must be entities (https://core.telegram.org/bots/api#html-style). */
export const escapeTelegram = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const telegram: FormatBuilder = (options, message) => {
  const head = `${SEVERITY_EMOJI[message.severity]} <b>${escapeWithin(truncate(message.title, 256), 1024, escapeTelegram)}</b>\n\n`;
  const summary = summaryLine(summaryOf(message.report));
  const foot = `\n\n<i>${escapeWithin(truncate([`run ${message.runId}`, summary].filter(Boolean).join(' · '), 512), 1024, escapeTelegram)}</i>`;
  // Counted on the HTML as sent, which is never shorter than the text Telegram counts after parsing.
  const text = head + escapeWithin(bodyText(message), TELEGRAM_MAX - head.length - foot.length, escapeTelegram) + foot;
  const base = (options.api_base ?? TELEGRAM_API).replace(/\/+$/, '');
  return jsonRequest('telegram Bot API', `${base}/bot${options.bot_token}/sendMessage`, {
    chat_id: options.chat_id,
    text,
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  });
};
