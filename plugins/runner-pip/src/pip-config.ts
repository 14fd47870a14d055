/** The index settings pip applies to one of its commands, each with where it was set. */
export interface PipUrlSetting {
  key: 'index-url' | 'extra-index-url' | 'find-links';
  url: string;
  /** `global.index-url`, `:env:.index-url (PIP_INDEX_URL)` or `pip's default`. */
  where: string;
}

export interface PipCommandSources {
  command: string;
  urls: PipUrlSetting[];
  proxy?: { url: string; where: string };
}

export const PYPI_SIMPLE = 'https://pypi.org/simple';
/** Where pypi.org's simple index links its files to. */
export const PYPI_FILES_HOST = 'files.pythonhosted.org';

/** Python's repr of a str, as `pip config list` prints values (`'…'`, or `"…"` when the text holds a `'`). */
export function parsePythonStr(repr: string): string | undefined {
  const quote = repr[0];
  if ((quote !== "'" && quote !== '"') || repr.length < 2 || repr.at(-1) !== quote) return undefined;
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
  return repr.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, esc: string) => {
    if (esc.length > 1) return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
    return simple[esc] ?? `\\${esc}`;
  });
}

/** `pip config list` → `section.key` (`global.index-url`, `install.find-links`, `:env:.index-url`) → value. */
export function parsePipConfigList(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const value = parsePythonStr(line.slice(eq + 1).trim());
    if (value !== undefined) values.set(line.slice(0, eq).trim(), value);
  }
  return values;
}

const TRUE = /^(?:1|true|yes|on|y|t)$/i;

function envName(key: string): string {
  return `PIP_${key.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * What pip uses for `command`, by pip's own precedence (ConfigOptionParser): the `[global]`
 * section, overridden by the command's section (`[install]`, `[list]`), overridden by PIP_*
 * environment variables. List options (extra-index-url, find-links) are split on white space.
 */
export function pipCommandSources(values: ReadonlyMap<string, string>, command: string): PipCommandSources {
  const pick = (key: string): { value: string; where: string } | undefined => {
    for (const section of [':env:', command, 'global']) {
      const value = values.get(`${section}.${key}`);
      if (value !== undefined) return { value, where: section === ':env:' ? `:env:.${key} (${envName(key)})` : `${section}.${key}` };
    }
    return undefined;
  };
  const urls: PipUrlSetting[] = [];
  const noIndex = pick('no-index');
  if (!(noIndex && TRUE.test(noIndex.value.trim()))) {
    const index = pick('index-url');
    urls.push({ key: 'index-url', url: index?.value.trim() || PYPI_SIMPLE, where: index ? index.where : "pip's default" });
    const extra = pick('extra-index-url');
    for (const url of extra?.value.split(/\s+/).filter(Boolean) ?? [])
      urls.push({ key: 'extra-index-url', url, where: extra?.where ?? '' });
  }
  // find-links may also name local directories; only URLs are fetched over the network.
  const links = pick('find-links');
  for (const url of links?.value.split(/\s+/).filter((u) => /^https?:\/\//i.test(u)) ?? [])
    urls.push({ key: 'find-links', url, where: links?.where ?? '' });
  const proxy = pick('proxy');
  return { command, urls, ...(proxy?.value.trim() ? { proxy: { url: proxy.value.trim(), where: proxy.where } } : {}) };
}
