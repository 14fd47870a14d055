/** One repository line apt will fetch from: `deb`/`deb-src` and its URI, with the file it came from. */
export interface AptSourceEntry {
  type: string;
  uri: string;
  file: string;
}

export interface ParsedSources {
  entries: AptSourceEntry[];
  /** Lines or stanzas apt would reject or skip, with why (logged, never fatal here). */
  skipped: string[];
}

const TYPES = new Set(['deb', 'deb-src']);

/**
 * sources.list(5) one-line style: `TYPE [ OPTIONS ] URI SUITE [COMPONENT…]`. Like apt, a `#`
 * starts a comment anywhere on the line; the options in brackets may contain spaces.
 */
export function parseOneLineSources(text: string, file: string): ParsedSources {
  const entries: AptSourceEntry[] = [];
  const skipped: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    const type = line.split(/\s+/, 1)[0] as string;
    let rest = line.slice(type.length).trim();
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close === -1) {
        skipped.push(`${file}:${index + 1}: unclosed [ options ]`);
        return;
      }
      rest = rest.slice(close + 1).trim();
    }
    const uri = rest.split(/\s+/, 1)[0] ?? '';
    if (!TYPES.has(type) || uri === '') {
      skipped.push(`${file}:${index + 1}: not a deb/deb-src line`);
      return;
    }
    entries.push({ type, uri, file });
  });
  return { entries, skipped };
}

// apt's StringToBool: these switch a stanza off.
const DISABLED = /^(?:no|false|without|off|disable)$/i;

/**
 * deb822 style (`*.sources`): stanzas separated by blank lines, `#` lines are comments, a line
 * starting with white space continues the field before it. `Types` and `URIs` may list several;
 * a stanza with `Enabled: no` is skipped.
 */
export function parseDeb822Sources(text: string, file: string): ParsedSources {
  const entries: AptSourceEntry[] = [];
  const skipped: string[] = [];
  let fields = new Map<string, string>();
  let last: string | undefined;
  let stanza = 0;

  const flush = (): void => {
    if (fields.size === 0) return;
    stanza++;
    const types = (fields.get('types') ?? '').split(/\s+/).filter(Boolean);
    const uris = (fields.get('uris') ?? '').split(/\s+/).filter(Boolean);
    if (DISABLED.test((fields.get('enabled') ?? '').trim())) {
      skipped.push(`${file}: stanza ${stanza} is disabled (Enabled: ${fields.get('enabled')?.trim()})`);
    } else if (uris.length === 0 || !types.some((t) => TYPES.has(t))) {
      skipped.push(`${file}: stanza ${stanza} has no deb/deb-src Types or no URIs`);
    } else {
      for (const type of types.filter((t) => TYPES.has(t))) for (const uri of uris) entries.push({ type, uri, file });
    }
    fields = new Map();
    last = undefined;
  };

  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (last !== undefined) fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const match = /^([^:\s]+)\s*:(.*)$/.exec(line);
    if (!match) continue;
    last = (match[1] as string).toLowerCase();
    fields.set(last, (match[2] as string).trim());
  }
  flush();
  return { entries, skipped };
}
