/** One repository line: its URL (or local directory) and optional `@tag`, with the file it came from. */
export interface RepositoryEntry {
  url: string;
  tag: string | undefined;
  file: string;
}

/**
 * apk-repositories(5), as apk-tools 2.14 src/database.c apk_db_add_repository() reads it: one
 * repository per line, a line starting with `#` is a comment, `@tag` and white space may come
 * first; the rest of the line is the location.
 */
export function parseRepositories(text: string, file: string): RepositoryEntry[] {
  const out: RepositoryEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const tagged = /^(@\S+)[ \t]+(.*)$/.exec(line);
    const url = (tagged ? (tagged[2] as string) : line).trim();
    if (url === '') continue;
    out.push({ url, tag: tagged ? (tagged[1] as string) : undefined, file });
  }
  return out;
}
