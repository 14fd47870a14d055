import { UnrotError } from '@unrot/sdk';

export interface ParsedPctConfig {
  /** Every `key: value` line except raw `lxc.*` ones; `description` URI-decoded. */
  values: Record<string, string>;
  /** Raw `lxc.*` lines in file order; a key may repeat (e.g. several lxc.mount.entry). */
  lxc: Array<{ key: string; value: string }>;
}

// pct prints sorted `key: value` lines, then raw lxc.* lines in file order.
const LINE = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):(?: (.*))?$/;

/** Parses `pct config VMID` (or `--current`, or `--snapshot NAME`) output. */
export function parsePctConfig(stdout: string): ParsedPctConfig {
  const values: Record<string, string> = {};
  const lxc: ParsedPctConfig['lxc'] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const m = LINE.exec(line);
    if (!m) throw new UnrotError('E_HOST_OUTPUT', `pct config: unexpected line ${JSON.stringify(line)}`, { stdout });
    const key = m[1] as string;
    const value = m[2] ?? '';
    if (key.startsWith('lxc.')) lxc.push({ key, value });
    else values[key] = key === 'description' ? decodeText(value) : value;
  }
  return { values, lxc };
}

/**
 * The flat key → value form `Host.readConfig` returns: raw lxc.* keys join in too, a repeated
 * lxc key's values joined with "\n" in file order (so nothing is lost in a flat record).
 */
export function flattenPctConfig(parsed: ParsedPctConfig): Record<string, string> {
  const flat: Record<string, string> = { ...parsed.values };
  for (const { key, value } of parsed.lxc) flat[key] = key in flat ? `${flat[key]}\n${value}` : value;
  return flat;
}

/**
 * Reverses pve's encode_text: control chars, bytes ≥ 0x80 (UTF-8), `:` and `%` are %XX-escaped.
 * A value that is not valid percent-encoded UTF-8 is returned unchanged rather than failing the read.
 */
export function decodeText(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
