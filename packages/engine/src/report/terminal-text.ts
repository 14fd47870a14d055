/**
 * The one sanitiser for text that came from a container, the host or a state file on its way to a
 * terminal or a notification: package names and versions, stderr, error messages, container names
 * and tags. Control characters are shown escaped instead of acting: C0 (ESC starts colour, cursor
 * and OSC 52 clipboard sequences; CR and BS overwrite what was printed), DEL, C1 (U+009B is a CSI
 * on terminals that honour 8-bit controls), the Unicode line and paragraph separators, and the
 * bidirectional overrides and isolates that make text read differently from what it is
 * ("Trojan Source"). Backslashes are left alone, so escaping is idempotent.
 */

// C0 and DEL and C1; U+2028/U+2029; bidi embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
const UNSAFE_FIELD = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, but a line break or a tab is layout, not an attack, where a whole block is printed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
const UNSAFE_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves raw: DEL, C1, separators and bidi controls (it escapes C0 itself).
const UNSAFE_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * C0 as `\x1b` (a JSON string never holds one raw: JSON.stringify escapes them); everything else
 * as `\u009b`, which is also a valid JSON escape, so a block that is JSON stays JSON that parses
 * back to the same strings.
 */
function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One field inside a line (a version, a name, one stderr line): every control character escaped, line breaks too. */
export function terminalField(text: string): string {
  return text.replace(UNSAFE_FIELD, escapeChar);
}

/** A block of lines the caller laid out: line breaks and tabs kept, every other control character escaped. */
export function terminalBlock(text: string): string {
  return text.replace(UNSAFE_BLOCK, escapeChar);
}

/**
 * JSON for a terminal (`--json`): JSON.stringify escapes C0 already; DEL, C1, the line separators
 * and bidi controls are written as \uXXXX escapes too. Lossless: JSON.parse gives back the
 * very same strings; only the bytes on the screen change.
 */
export function terminalJson(value: unknown, indent = 2): string {
  const json = JSON.stringify(value, null, indent);
  return json === undefined ? 'null' : json.replace(UNSAFE_JSON, escapeChar);
}
