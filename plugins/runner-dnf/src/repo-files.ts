/** One enabled repository of a .repo file (or dnf.conf) with the URLs dnf fetches from. */
export interface RepoEntry {
  id: string;
  file: string;
  urls: { key: 'baseurl' | 'mirrorlist' | 'metalink'; url: string }[];
  /** `proxy=` of the repository: a URL, `_none_`/empty (no proxy, dnf 4 / dnf5), or undefined (the [main] one applies). */
  proxy?: string;
}

export interface RepoFile {
  /** `proxy=` of [main] (dnf.conf). */
  mainProxy?: string;
  repos: RepoEntry[];
  /** Sections left out, with why (disabled), for the log. */
  skipped: string[];
}

// libdnf's boolean words for enabled=.
const FALSE = /^(?:0|no|false|off)$/i;

/**
 * dnf's INI dialect (libdnf ConfigParser): `[section]`, `key=value`, lines
 * starting with `#` or `;` are comments, a line starting with white space continues the value
 * before it. baseurl may list several URLs separated by commas or white space.
 */
export function parseRepoFile(text: string, file: string): RepoFile {
  const sections: { name: string; values: Map<string, string> }[] = [];
  let current: { name: string; values: Map<string, string> } | undefined;
  let last: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^\s*[#;]/.test(line) || line.trim() === '') {
      if (line.trim() === '') last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line) && current && last !== undefined) {
      current.values.set(last, `${current.values.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const section = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (section) {
      current = { name: (section[1] as string).trim(), values: new Map() };
      sections.push(current);
      last = undefined;
      continue;
    }
    const kv = /^\s*([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!kv || !current) continue;
    last = (kv[1] as string).toLowerCase();
    current.values.set(last, (kv[2] as string).trim());
  }

  const out: RepoFile = { repos: [], skipped: [] };
  for (const s of sections) {
    if (s.name === 'main') {
      const proxy = s.values.get('proxy');
      if (proxy !== undefined) out.mainProxy = proxy;
      continue;
    }
    if (FALSE.test((s.values.get('enabled') ?? '1').trim())) {
      out.skipped.push(`${file}: [${s.name}] is disabled`);
      continue;
    }
    const urls: RepoEntry['urls'] = [];
    for (const key of ['baseurl', 'mirrorlist', 'metalink'] as const) {
      for (const url of (s.values.get(key) ?? '').split(/[\s,]+/).filter(Boolean)) urls.push({ key, url });
    }
    const entry: RepoEntry = { id: s.name, file, urls };
    const proxy = s.values.get('proxy');
    if (proxy !== undefined) entry.proxy = proxy;
    out.repos.push(entry);
  }
  return out;
}
