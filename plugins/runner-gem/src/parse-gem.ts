import { UnrotError } from '@unrot/sdk';
import { redactCredentials } from './tool-output.js';

export interface GemOutdatedEntry {
  name: string;
  installed: string;
  latest: string;
}

// rubygems 3.3 lib/rubygems/commands/outdated_command.rb: "NAME (INSTALLED < LATEST)".
const OUTDATED_LINE = /^(\S+) \((\S+) < (\S+)\)$/;

export function parseGemOutdated(stdout: string, source: string): GemOutdatedEntry[] {
  const entries: GemOutdatedEntry[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const match = OUTDATED_LINE.exec(line);
    if (!match) throw new UnrotError('E_RUNNER_PARSE', `${source}: cannot read the line ${JSON.stringify(line.slice(0, 200))}`, { source });
    entries.push({ name: match[1] as string, installed: match[2] as string, latest: match[3] as string });
  }
  return entries;
}

/**
 * `gem outdated` swallows the errors of its sources and exits 0 with an empty list (measured with
 * rubygems 3.3.15 and a refused port). With `--debug` it prints every exception, rescued or not;
 * the fetcher's own errors are the ones that mean "this source could not be read".
 */
export function fetchErrors(stderr: string): string[] {
  const messages = new Set<string>();
  for (const line of stderr.split('\n')) {
    const match = /^Exception `Gem::RemoteFetcher::\w+' at \S+ - (.*)$/.exec(line.trim());
    if (match) messages.add(redactCredentials(match[1] as string));
  }
  return [...messages];
}

export interface InstalledGem {
  versions: string[];
  /** The version that ships with Ruby itself (`default: X`), when there is one. */
  defaultVersion?: string;
}

/** `gem list` lines: `NAME (V1, V2 PLATFORM, default: V3)`; remote lists use the same form. */
export function parseGemList(stdout: string, source: string): Map<string, InstalledGem> {
  const gems = new Map<string, InstalledGem>();
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('***')) continue;
    const match = /^(\S+) \((.*)\)$/.exec(line);
    if (!match) throw new UnrotError('E_RUNNER_PARSE', `${source}: cannot read the line ${JSON.stringify(line.slice(0, 200))}`, { source });
    const gem: InstalledGem = { versions: [] };
    for (const item of (match[2] as string).split(',')) {
      const isDefault = item.trim().startsWith('default: ');
      const version =
        item
          .trim()
          .replace(/^default: /, '')
          .split(' ')[0] ?? '';
      if (version === '') continue;
      gem.versions.push(version);
      if (isDefault) gem.defaultVersion = version;
    }
    gems.set(match[1] as string, gem);
  }
  return gems;
}

/** `gem sources --list`: the URLs under "*** CURRENT SOURCES ***". */
export function parseGemSources(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[a-z][a-z0-9+.-]*:\/\//i.test(l));
}

/** The http_proxy of gem's configuration as `gem env` prints it (`"http_proxy" => "URL"` or `:http_proxy => "URL"`). */
export function parseGemEnvProxy(stdout: string): string | undefined {
  const match = /^\s*- (?:"http_proxy"|:http_proxy) => "([^"]*)"\s*$/m.exec(stdout);
  const value = match?.[1]?.trim();
  return value && value !== ':no_proxy' ? value : undefined;
}
