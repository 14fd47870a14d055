/**
 * `pacman-conf` with no argument prints the effective configuration as pacman reads it:
 * `[options]`, then one `[repo]` section per repository, `Key = value` or a bare flag per line,
 * Include'd mirrorlists already read and `$repo`/`$arch` already replaced in Server URLs.
 */
export interface PacmanConf {
  options: Map<string, string[]>;
  repos: { name: string; servers: string[] }[];
}

export function parsePacmanConf(stdout: string): PacmanConf {
  const options = new Map<string, string[]>();
  const repos: PacmanConf['repos'] = [];
  let section: string | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1] as string;
      if (section !== 'options') repos.push({ name: section, servers: [] });
      continue;
    }
    const eq = line.indexOf(' = ');
    const key = eq === -1 ? line : line.slice(0, eq);
    const value = eq === -1 ? '' : line.slice(eq + 3);
    if (section === 'options') options.set(key, [...(options.get(key) ?? []), value]);
    else if (section !== undefined && key === 'Server') repos[repos.length - 1]?.servers.push(value);
  }
  return { options, repos };
}

/** The first value of an [options] directive. */
export function confOption(conf: PacmanConf, key: string): string | undefined {
  return conf.options.get(key)?.[0];
}
